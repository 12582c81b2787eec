"""The import hook that lets Airflow DAG files run unchanged.

While active, ``import airflow...`` resolves to Slipstream's modules through a table of names.
A name not in the table fails with an error that says Slipstream does not provide it, instead
of a confusing partial import. It is active only while DAG files are parsed and tasks run.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Iterator, Sequence
from typing import Any

# Airflow module name -> Slipstream module whose attributes it exposes.
ALIASES: dict[str, str] = {
    "airflow": "slipstream.sdk",
    "airflow.models": "slipstream.sdk",
    "airflow.models.dag": "slipstream.sdk.dag",
    "airflow.models.baseoperator": "slipstream.sdk.baseoperator",
    "airflow.models.param": "slipstream.sdk.param",
    "airflow.models.taskinstance": "slipstream.sdk.context",
    "airflow.models.variable": "slipstream.sdk.variable",
    "airflow.models.connection": "slipstream.sdk.connection",
    "airflow.hooks": "slipstream.hooks",
    "airflow.hooks.base": "slipstream.hooks.base",
    "airflow.hooks.base_hook": "slipstream.hooks.base",
    "airflow.exceptions": "slipstream.sdk.exceptions",
    "airflow.macros": "slipstream.sdk.macros",
    "airflow.utils.template": "slipstream.sdk.templating",
    "airflow.decorators": "slipstream.sdk.decorators",
    "airflow.operators": "slipstream.operators",
    "airflow.operators.bash": "slipstream.operators.bash",
    "airflow.operators.bash_operator": "slipstream.operators.bash",
    "airflow.operators.python": "slipstream.operators.python",
    "airflow.operators.python_operator": "slipstream.operators.python",
    "airflow.operators.dummy": "slipstream.operators.empty",
    "airflow.operators.dummy_operator": "slipstream.operators.empty",
    "airflow.operators.empty": "slipstream.operators.empty",
    "airflow.operators.latest_only": "slipstream.operators.latest_only",
    "airflow.providers.standard.operators.latest_only": "slipstream.operators.latest_only",
    "airflow.utils": "slipstream.sdk",
    "airflow.utils.task_group": "slipstream.sdk.task_group",
    "airflow.utils.trigger_rule": "slipstream.sdk.trigger_rule",
    "airflow.utils.dates": "slipstream.sdk.dates",
    "airflow.sdk": "slipstream.sdk",
    "airflow.sdk.definitions": "slipstream.sdk",
    "airflow.sdk.definitions.param": "slipstream.sdk.param",
    "airflow.sdk.definitions.taskgroup": "slipstream.sdk.task_group",
    "airflow.sdk.definitions.variable": "slipstream.sdk.variable",
    "airflow.sdk.definitions.connection": "slipstream.sdk.connection",
    "airflow.sdk.bases": "slipstream.hooks",
    "airflow.sdk.bases.hook": "slipstream.hooks.base",
    "airflow.providers": "slipstream.operators",
    "airflow.providers.standard": "slipstream.operators",
    "airflow.providers.standard.operators": "slipstream.operators",
    "airflow.providers.standard.operators.bash": "slipstream.operators.bash",
    "airflow.providers.standard.operators.python": "slipstream.operators.python",
    "airflow.providers.standard.operators.empty": "slipstream.operators.empty",
    "airflow.sensors": "slipstream.sensors",
    "airflow.sensors.base": "slipstream.sensors.base",
    "airflow.sensors.base_sensor_operator": "slipstream.sensors.base",
    "airflow.sensors.filesystem": "slipstream.sensors.filesystem",
    "airflow.sensors.python": "slipstream.sensors.python",
    "airflow.sensors.time_delta": "slipstream.sensors.time_delta",
    "airflow.sensors.date_time": "slipstream.sensors.date_time",
    "airflow.sensors.external_task": "slipstream.sensors.external_task",
    "airflow.providers.standard.sensors": "slipstream.sensors",
    "airflow.providers.standard.sensors.filesystem": "slipstream.sensors.filesystem",
    "airflow.providers.standard.sensors.python": "slipstream.sensors.python",
    "airflow.providers.standard.sensors.time_delta": "slipstream.sensors.time_delta",
    "airflow.providers.standard.sensors.date_time": "slipstream.sensors.date_time",
    "airflow.providers.standard.sensors.external_task": "slipstream.sensors.external_task",
    "airflow.sdk.bases.sensor": "slipstream.sensors.base",
    "airflow.sdk.bases.branch": "slipstream.operators.branching",
    "airflow.sdk.bases.skipmixin": "slipstream.operators.branching",
    "airflow.providers.standard.operators.branch": "slipstream.operators.branching",
    "airflow.operators.branch": "slipstream.operators.branching",
    "airflow.models.skipmixin": "slipstream.operators.branching",
    "airflow.providers.standard.operators.datetime": "slipstream.operators.branch_datetime",
    "airflow.operators.datetime": "slipstream.operators.branch_datetime",
    "airflow.providers.standard.operators.weekday": "slipstream.operators.weekday",
    "airflow.operators.weekday": "slipstream.operators.weekday",
    "airflow.providers.standard.utils": "slipstream.operators",
    "airflow.providers.standard.utils.weekday": "slipstream.operators.weekday",
    "airflow.utils.weekday": "slipstream.operators.weekday",
    "airflow.providers.standard.sensors.bash": "slipstream.sensors.bash",
    "airflow.sensors.bash": "slipstream.sensors.bash",
    "airflow.providers.standard.sensors.time": "slipstream.sensors.time_of_day",
    "airflow.sensors.time_sensor": "slipstream.sensors.time_of_day",
    "airflow.providers.standard.sensors.weekday": "slipstream.sensors.time_of_day",
    "airflow.sensors.weekday": "slipstream.sensors.time_of_day",
    "airflow.utils.state": "slipstream.sdk.state",
    "airflow.providers.common": "slipstream.operators",
    "airflow.providers.common.sql": "slipstream.operators",
    "airflow.providers.common.sql.operators": "slipstream.operators",
    "airflow.providers.common.sql.operators.sql": "slipstream.operators.sql",
    "airflow.providers.common.sql.hooks": "slipstream.hooks",
    "airflow.providers.common.sql.hooks.sql": "slipstream.hooks.sql",
    "airflow.providers.postgres": "slipstream.operators",
    "airflow.providers.postgres.operators": "slipstream.operators",
    "airflow.providers.postgres.operators.postgres": "slipstream.operators.sql",
    "airflow.providers.postgres.hooks": "slipstream.hooks",
    "airflow.providers.postgres.hooks.postgres": "slipstream.hooks.postgres",
    "airflow.providers.sqlite": "slipstream.operators",
    "airflow.providers.sqlite.operators": "slipstream.operators",
    "airflow.providers.sqlite.operators.sqlite": "slipstream.operators.sql",
    "airflow.providers.sqlite.hooks": "slipstream.hooks",
    "airflow.providers.sqlite.hooks.sqlite": "slipstream.hooks.sqlite",
    "airflow.providers.http": "slipstream.operators",
    "airflow.providers.http.operators": "slipstream.operators",
    "airflow.providers.http.operators.http": "slipstream.operators.http",
    "airflow.providers.http.hooks": "slipstream.hooks",
    "airflow.providers.http.hooks.http": "slipstream.hooks.http",
    "airflow.operators.http_operator": "slipstream.operators.http",
    "airflow.operators.email": "slipstream.operators.email",
    "airflow.operators.email_operator": "slipstream.operators.email",
    "airflow.providers.smtp": "slipstream.operators",
    "airflow.providers.smtp.operators": "slipstream.operators",
    "airflow.providers.smtp.operators.smtp": "slipstream.operators.email",
    "airflow.providers.smtp.hooks": "slipstream.hooks",
    "airflow.providers.smtp.hooks.smtp": "slipstream.hooks.smtp",
    "airflow.utils.email": "slipstream.hooks.smtp",
    "airflow.operators.trigger_dagrun": "slipstream.operators.trigger_dagrun",
    "airflow.operators.dagrun_operator": "slipstream.operators.trigger_dagrun",
    "airflow.providers.standard.operators.trigger_dagrun": "slipstream.operators.trigger_dagrun",
}


def _is_package(name: str) -> bool:
    prefix = name + "."
    return any(other.startswith(prefix) for other in ALIASES)


class _AliasModule(types.ModuleType):
    """A stand-in module named like Airflow's whose attributes come from a Slipstream module."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name)
        self.__slipstream_target__ = target

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        submodule = f"{self.__name__}.{attribute}"
        if submodule in ALIASES:  # from airflow.operators import dummy
            return importlib.import_module(submodule)
        module = importlib.import_module(self.__slipstream_target__)
        try:
            return getattr(module, attribute)
        except AttributeError:
            raise ImportError(
                f"cannot import name {attribute!r} from {self.__name__!r}: Slipstream does not provide "
                f"{self.__name__}.{attribute} (it maps {self.__name__} to {self.__slipstream_target__})"
            ) from None

    def __dir__(self) -> list[str]:
        return sorted(set(dir(importlib.import_module(self.__slipstream_target__))) | set(super().__dir__()))


class _Loader(importlib.abc.Loader):
    def __init__(self, created: list[str]) -> None:
        self.created = created

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _AliasModule(spec.name, ALIASES[spec.name])
        self.created.append(spec.name)
        if _is_package(spec.name):
            module.__path__ = []
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


class AirflowImportFinder(importlib.abc.MetaPathFinder):
    """Answers every ``airflow`` and ``airflow.*`` import, from the ALIASES table only."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "airflow" and not fullname.startswith("airflow."):
            return None
        if fullname not in ALIASES:
            raise ModuleNotFoundError(
                f"No module named {fullname!r}: Slipstream does not provide this Airflow module yet. "
                f"Supported Airflow modules: {', '.join(sorted(ALIASES))}",
                name=fullname,
            )
        return importlib.machinery.ModuleSpec(fullname, _Loader(self.created), is_package=_is_package(fullname))


def install() -> AirflowImportFinder:
    finder = AirflowImportFinder()
    sys.meta_path.insert(0, finder)
    return finder


def uninstall(finder: AirflowImportFinder) -> None:
    if finder in sys.meta_path:
        sys.meta_path.remove(finder)
    for name in finder.created:
        if isinstance(sys.modules.get(name), _AliasModule):
            del sys.modules[name]
    finder.created.clear()


@contextlib.contextmanager
def airflow_imports() -> Iterator[None]:
    """Map Airflow module names onto Slipstream for the duration of the block (re-entrant)."""
    if any(isinstance(f, AirflowImportFinder) for f in sys.meta_path):
        yield
        return
    finder = install()
    try:
        yield
    finally:
        uninstall(finder)
