"""The import hook that lets Airflow DAG files run unchanged.

While active, ``import airflow...`` resolves to Slipstream's modules through a table of names.
A name not in the table fails with an error that says Slipstream does not provide it, instead
of a confusing partial import; an Airflow provider installed without Airflow is loaded from its
own files (``real_providers.py``). It is active only while DAG files are parsed and tasks run.
The table, as documentation: ``python -m slipstream.dagfiles.airflow_imports --markdown``.
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

from slipstream.dagfiles import real_providers

# Airflow module name -> Slipstream module whose attributes it exposes.
ALIASES: dict[str, str] = {
    "airflow": "slipstream.sdk",
    "airflow.models": "slipstream.sdk.airflow_models",
    "airflow.models.dag": "slipstream.sdk.dag",
    "airflow.models.baseoperator": "slipstream.sdk.baseoperator",
    "airflow.models.param": "slipstream.sdk.param",
    "airflow.models.taskinstance": "slipstream.sdk.airflow_models",
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
    "airflow.utils.timezone": "slipstream.sdk.timezone",
    "airflow.sdk.timezone": "slipstream.sdk.timezone",
    "airflow.timetables": "slipstream.timetables",
    "airflow.timetables.base": "slipstream.timetables.base",
    "airflow.timetables.interval": "slipstream.timetables.interval",
    "airflow.timetables.trigger": "slipstream.timetables.trigger",
    "airflow.timetables.events": "slipstream.timetables.events",
    "airflow.timetables.simple": "slipstream.timetables.simple",
    "airflow.sdk.definitions.timetables": "slipstream.timetables",
    "airflow.sdk.definitions.timetables.interval": "slipstream.timetables.interval",
    "airflow.sdk.definitions.timetables.trigger": "slipstream.timetables.trigger",
    "airflow.sdk.definitions.timetables.events": "slipstream.timetables.events",
    "airflow.sdk.definitions.timetables.simple": "slipstream.timetables.simple",
    "airflow.sdk.definitions.timetables.assets": "slipstream.timetables.assets",
    "airflow.sdk.definitions.partition_mappers": "slipstream.sdk.partitions",
    "airflow.sdk.definitions.partition_mappers.base": "slipstream.sdk.partitions",
    "airflow.sdk.definitions.partition_mappers.identity": "slipstream.sdk.partitions",
    "airflow.sdk.definitions.partition_mappers.temporal": "slipstream.sdk.partitions",
    "airflow.sdk.definitions.partition_mappers.window": "slipstream.sdk.partitions",
    "airflow.sdk.definitions.partition_mappers.wait_policy": "slipstream.sdk.partitions",
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
    "airflow.datasets": "slipstream.sdk.assets",
    "airflow.datasets.metadata": "slipstream.sdk.assets",
    "airflow.sdk.definitions.asset": "slipstream.sdk.assets",
    "airflow.sdk.definitions.asset.metadata": "slipstream.sdk.assets",
    "airflow.sdk.definitions.asset.decorators": "slipstream.sdk.asset_decorator",
    "airflow.timetables.assets": "slipstream.timetables.assets",
    "airflow.timetables.datasets": "slipstream.timetables.assets",
}

# Airflow 2 paths, more of Airflow 3's, and the compatibility layer real providers import.
ALIASES.update({
    "airflow.configuration": "slipstream.sdk.configuration",
    "airflow.models.dagrun": "slipstream.sdk.types",
    "airflow.models.xcom": "slipstream.sdk.airflow_models",
    "airflow.models.xcom_arg": "slipstream.sdk.xcom_arg",
    "airflow.models.baseoperatorlink": "slipstream.sdk.operator_link",
    "airflow.operators.branch": "slipstream.operators.branching",
    "airflow.operators.branch_operator": "slipstream.operators.branching",
    "airflow.operators.latest_only_operator": "slipstream.operators.latest_only",
    "airflow.operators.python_virtualenv": "slipstream.operators.python_virtualenv",
    "airflow.providers.standard.operators.branch": "slipstream.operators.branching",
    "airflow.providers.standard.operators.smtp": "slipstream.operators.email",
    "airflow.sensors.external_task_sensor": "slipstream.sensors.external_task",
    "airflow.sensors.time_delta_sensor": "slipstream.sensors.time_delta",
    "airflow.hooks.dbapi": "slipstream.hooks.sql",
    "airflow.hooks.dbapi_hook": "slipstream.hooks.sql",
    "airflow.hooks.http_hook": "slipstream.hooks.http",
    "airflow.hooks.sqlite_hook": "slipstream.hooks.sqlite",
    "airflow.hooks.postgres_hook": "slipstream.hooks.postgres",
    "airflow.utils.context": "slipstream.sdk.context",
    "airflow.utils.edgemodifier": "slipstream.sdk.edges",
    "airflow.utils.helpers": "slipstream.sdk.helpers",
    "airflow.utils.strings": "slipstream.sdk.helpers",
    "airflow.utils.operator_helpers": "slipstream.sdk.helpers",
    "airflow.utils.module_loading": "slipstream.sdk.module_loading",
    "airflow.utils.weight_rule": "slipstream.sdk.state",
    "airflow.utils.log": "slipstream.sdk.logging_mixin",
    "airflow.utils.log.logging_mixin": "slipstream.sdk.logging_mixin",
    "airflow.utils.log.secrets_masker": "slipstream.sdk.secrets_masker",
    "airflow.sdk.log": "slipstream.sdk.secrets_masker",
    "airflow.sdk.execution_time.secrets_masker": "slipstream.sdk.secrets_masker",
    "airflow.sdk.exceptions": "slipstream.sdk.exceptions",
    "airflow.sdk.types": "slipstream.sdk.types",
    "airflow.sdk.lineage": "slipstream.sdk.lineage",
    "airflow.sdk.configuration": "slipstream.sdk.configuration",
    "airflow.sdk.module_loading": "slipstream.sdk.module_loading",
    "airflow.sdk.io": "slipstream.sdk.object_storage",
    "airflow.sdk.io.path": "slipstream.sdk.object_storage",
    "airflow.sdk.bases.operator": "slipstream.sdk.baseoperator",
    "airflow.sdk.bases.notifier": "slipstream.sdk.notifier",
    "airflow.sdk.bases.operatorlink": "slipstream.sdk.operator_link",
    "airflow.sdk.bases.xcom": "slipstream.sdk.xcom",
    "airflow.sdk.definitions.context": "slipstream.sdk.context",
    "airflow.sdk.definitions.dag": "slipstream.sdk.dag",
    "airflow.sdk.definitions.decorators": "slipstream.sdk.decorators",
    "airflow.sdk.definitions.edges": "slipstream.sdk.edges",
    "airflow.sdk.definitions.template": "slipstream.sdk.templating",
    "airflow.sdk.definitions.xcom_arg": "slipstream.sdk.xcom_arg",
    "airflow.sdk.definitions.deadline": "slipstream.sdk.deadline",
    "airflow.sdk.definitions.callback": "slipstream.sdk.callback",
    "airflow.sdk.bases.resumablejobmixin": "slipstream.sdk.resumable_job",
    "airflow.providers.common.compat": "slipstream.sdk.provider_compat",
    "airflow.providers.common.compat.sdk": "slipstream.sdk.provider_compat",
    "airflow.providers.common.compat.version_compat": "slipstream.sdk.provider_compat",
    "airflow.providers.common.compat.module_loading": "slipstream.sdk.module_loading",
    "airflow.providers.common.compat.lineage": "slipstream.sdk.lineage",
    "airflow.providers.common.compat.lineage.hook": "slipstream.sdk.lineage",
    "airflow.providers.common.compat.notifier": "slipstream.sdk.notifier",
    "airflow.providers.common.compat.standard": "slipstream.sdk.provider_compat",
    "airflow.providers.common.compat.standard.operators": "slipstream.operators.python",
    "airflow.providers.common.compat.standard.utils": "slipstream.operators.branching",
    "airflow.providers_manager": "slipstream.sdk.providers_manager",
    "airflow.triggers": "slipstream.sdk.triggers",
    "airflow.triggers.base": "slipstream.sdk.triggers",
    "airflow.sdk.execution_time": "slipstream.sdk.context",
    "airflow.sdk.execution_time.context": "slipstream.sdk.context",
    "airflow.sdk.execution_time.task_runner": "slipstream.sdk.types",
    "airflow.sdk.execution_time.macros": "slipstream.sdk.macros",
    "airflow.listeners": "slipstream.sdk.listeners",
    "airflow.plugins_manager": "slipstream.sdk.unsupported",
    "airflow.task": "slipstream.sdk.unsupported",
    "airflow.task.priority_strategy": "slipstream.sdk.unsupported",
    "airflow.partition_mappers": "slipstream.sdk.partitions",
    "airflow.partition_mappers.base": "slipstream.sdk.partitions",
    "airflow.partition_mappers.window": "slipstream.sdk.partitions",
    "airflow.partition_mappers.temporal": "slipstream.sdk.partitions",
    "airflow.providers.standard.operators.hitl": "slipstream.sdk.unsupported",
    "airflow.providers.standard.triggers": "slipstream.sdk.unsupported",
    "airflow.providers.standard.triggers.file": "slipstream.sdk.event_triggers",
    "airflow.providers.smtp.notifications": "slipstream.operators.smtp_notifier",
    "airflow.providers.smtp.notifications.smtp": "slipstream.operators.smtp_notifier",
    "airflow.providers.http.sensors": "slipstream.sensors",
    "airflow.providers.http.sensors.http": "slipstream.sensors.http",
    "airflow.sensors.http_sensor": "slipstream.sensors.http",
    "airflow.providers.common.sql.sensors": "slipstream.sensors",
    "airflow.providers.common.sql.sensors.sql": "slipstream.sensors.sql",
    "airflow.sensors.sql": "slipstream.sensors.sql",
    "airflow.sensors.sql_sensor": "slipstream.sensors.sql",
    "airflow.utils.types": "slipstream.sdk.types",
    "airflow.utils.dag_parsing_context": "slipstream.sdk.context",
    "airflow.utils.decorators": "slipstream.sdk.helpers",
    "airflow.operators.subdag": "slipstream.sdk.unsupported",
    "airflow.operators.subdag_operator": "slipstream.sdk.unsupported",
    "airflow.settings": "slipstream.sdk.airflow_settings",
})


def _is_package(name: str) -> bool:
    prefix = name + "."
    return any(other.startswith(prefix) for other in ALIASES)


class _AliasModule(types.ModuleType):
    """A stand-in module named like Airflow's whose attributes come from a Slipstream module."""

    def __init__(self, name: str, target: str) -> None:
        super().__init__(name)
        self.__slipstream_target__ = target

    def __getattr__(self, attribute: str) -> Any:
        if attribute == "__version__" and self.__name__ == "airflow":
            from slipstream.sdk.lazy_names import AIRFLOW_VERSION

            return AIRFLOW_VERSION
        if attribute == "__version__":  # airflow.sdk's; AttributeError elsewhere, so hasattr() stays False
            return getattr(importlib.import_module(self.__slipstream_target__), attribute)
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


def _not_provided(fullname: str) -> str:
    """Why ``fullname`` cannot be imported, with the supported modules beside it."""
    parent = fullname.rpartition(".")[0]
    siblings = sorted(name for name in ALIASES if name.rpartition(".")[0] == parent)
    hint = (
        " If it belongs to an Airflow provider, install the provider without Airflow itself "
        "(pip install --no-deps apache-airflow-providers-<name>, plus its own requirements)."
        if fullname.startswith("airflow.providers.") else ""
    )
    return (
        f"No module named {fullname!r}: Slipstream does not provide this Airflow module yet.{hint} "
        f"Supported modules in {parent or 'airflow'}: {', '.join(siblings) or '-'} "
        "(all of them: docs/airflow-imports.md)"
    )


class AirflowImportFinder(importlib.abc.MetaPathFinder):
    """Answers every ``airflow`` and ``airflow.*`` import: from an installed provider distribution
    (``real_providers.py``), else from the ALIASES table, else with an error that says why.

    Modules of a real provider are ordinary modules and stay loaded after the block, so the
    classes a zygote imported are the ones its task processes use."""

    def __init__(self) -> None:
        self.created: list[str] = []

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: types.ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != "airflow" and not fullname.startswith("airflow."):
            return None
        provider = real_providers.provider_root(fullname)
        if provider is not None and (fullname not in ALIASES or not real_providers.is_surface(fullname)):
            spec = real_providers.real_spec(fullname)
            if spec is not None:
                return spec
            if fullname not in ALIASES:
                raise ModuleNotFoundError(
                    f"No module named {fullname!r}: the provider {provider} installed at "
                    f"{real_providers.installed_location(fullname)} has no such module",
                    name=fullname,
                )
        if fullname not in ALIASES:
            raise ModuleNotFoundError(_not_provided(fullname), name=fullname)
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


if __name__ == "__main__":
    from slipstream.dagfiles.airflow_imports_doc import main

    main()
