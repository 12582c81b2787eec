"""PythonVirtualenvOperator and ExternalPythonOperator: run a function in another Python.

The function's source (decorators removed, dedented) is written into a script that loads the
pickled arguments, calls the function and pickles its return value. The script runs in a
child process of the other interpreter, in the task process's working directory, with its
output copied to the task log; the return value becomes the XCom. So the function must be
self-contained: it imports what it needs inside its body and cannot reach the DAG file's
globals, nor the task context beyond the plain values named as its parameters.
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import os
import sys
import tempfile
import textwrap
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from slipstream.operators import venv_cache
from slipstream.operators.bash import exit_codes
from slipstream.operators.branching import BranchPythonOperator
from slipstream.operators.python import PythonOperator
from slipstream.sdk.context import determine_kwargs
from slipstream.sdk.exceptions import AirflowException, AirflowSkipException, DagDefinitionError

__all__ = [
    "BranchExternalPythonOperator",
    "BranchPythonVirtualenvOperator",
    "ExternalPythonOperator",
    "PythonVirtualenvOperator",
]

SERIALIZERS = ("pickle", "cloudpickle", "dill")

# Context values that are plain data and so can cross into the other interpreter.
SERIALIZABLE_CONTEXT_KEYS = frozenset({
    "ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "yesterday_ds", "tomorrow_ds",
    "yesterday_ds_nodash", "tomorrow_ds_nodash", "run_id", "logical_date", "execution_date",
    "data_interval_start", "data_interval_end", "prev_data_interval_start_success",
    "prev_data_interval_end_success", "prev_start_date_success", "params", "conf", "try_number",
    "map_index", "expanded_ti_count", "task_instance_key_str", "test_mode", "inlets", "outlets",
    "templates_dict",
})

# Annotations stay unevaluated: they may name types the DAG file imported and the script has not.
_SCRIPT = '''\
from __future__ import annotations

import sys

try:
    import {serializer} as _slipstream_serializer
except ImportError:
    sys.exit("serializer={serializer!r} needs the {serializer} package in this Python ("
             + sys.executable + "): install it there")
virtualenv_string_args = [line.rstrip("\\n") for line in open(sys.argv[3])]


def _slipstream_guard_airflow_imports():
    import importlib.abc
    import importlib.util

    if importlib.util.find_spec("airflow") is not None:
        return

    class _NoAirflow(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("airflow", "slipstream"):
                raise ModuleNotFoundError(
                    "No module named " + repr(name) + ": {what} runs its function in a separate Python "
                    "without Airflow (Slipstream), so get_current_context() and the other Airflow APIs are not "
                    "available there. Pass what the function needs as arguments, or name context values "
                    "(ds, params, logical_date, ...) as its parameters.",
                    name=name,
                )
            return None

    sys.meta_path.insert(0, _NoAirflow())


_slipstream_guard_airflow_imports()

{source}

if __name__ == "__main__":
    with open(sys.argv[1], "rb") as _file:
        _args, _kwargs = _slipstream_serializer.load(_file)
    _result = {name}(*_args, **_kwargs)
    with open(sys.argv[2], "wb") as _file:
        _slipstream_serializer.dump(_result, _file)
'''


def function_source(function: Callable[..., Any]) -> tuple[str, str]:
    """The name and the source of ``function`` without its decorators, dedented."""
    name = getattr(function, "__name__", "")
    if name == "<lambda>" or not inspect.isfunction(function):
        raise DagDefinitionError(
            f"The python_callable {function!r} must be a function defined with def: its source is what runs "
            "in the other Python"
        )
    try:
        source = textwrap.dedent(inspect.getsource(function))
    except (OSError, TypeError) as err:
        raise AirflowException(f"Cannot read the source of the function {name!r}: {err}") from None
    tree = ast.parse(source)
    node = tree.body[0]
    if not isinstance(node, ast.FunctionDef):
        raise DagDefinitionError(f"The python_callable {name!r} must be a plain function (not async)")
    lines = source.splitlines()[node.lineno - 1:]
    return name, "\n".join(lines) + "\n"


class _BasePythonVenvOperator(PythonOperator):
    """What both operators share: the script, the arguments, the child process and the result."""

    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        op_args: Collection[Any] | None = None,
        op_kwargs: Mapping[str, Any] | None = None,
        serializer: str | None = None,
        use_dill: bool = False,
        string_args: Iterable[str] | None = None,
        templates_dict: dict[str, Any] | None = None,
        templates_exts: Sequence[str] | None = None,
        expect_airflow: bool = True,
        skip_on_exit_code: int | Sequence[int] | None = None,
        env_vars: dict[str, str] | None = None,
        inherit_env: bool = True,
        use_airflow_context: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            python_callable=python_callable, op_args=op_args, op_kwargs=op_kwargs, templates_dict=templates_dict,
            templates_exts=templates_exts, **kwargs,
        )
        if use_airflow_context:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: use_airflow_context=True is not supported by Slipstream: the function runs "
                "in another Python without the task context; name the context values it needs as its parameters"
            )
        serializer = serializer or ("dill" if use_dill else "pickle")
        if serializer not in SERIALIZERS:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: unknown serializer {serializer!r}; use one of {', '.join(SERIALIZERS)}"
            )
        self.serializer = serializer
        self.string_args = list(string_args or [])
        self.expect_airflow = expect_airflow
        self.skip_on_exit_code = exit_codes(skip_on_exit_code)
        self.env_vars = env_vars
        self.inherit_env = inherit_env
        function_source(python_callable)

    def _interpreter(self, context: Mapping[str, Any]) -> str:
        raise NotImplementedError

    def _serializer_module(self) -> Any:
        if importlib.util.find_spec(self.serializer) is None:
            raise AirflowException(
                f"Task {self.task_id!r}: serializer={self.serializer!r} needs the {self.serializer} package in "
                f"Slipstream's Python ({sys.executable}), which does not have it: install it (pip install "
                f"{self.serializer}) or use serializer='pickle'"
            )
        return importlib.import_module(self.serializer)

    def _call_arguments(self, context: Mapping[str, Any]) -> dict[str, Any]:
        plain = {key: value for key, value in context.items() if key in SERIALIZABLE_CONTEXT_KEYS}
        plain["templates_dict"] = self.templates_dict
        for key in ("params", "conf"):
            if isinstance(plain.get(key), Mapping):
                plain[key] = dict(plain[key])
        kwargs = determine_kwargs(self.python_callable, self.op_args, self.op_kwargs, plain)
        signature = inspect.signature(self.python_callable)
        bound = signature.bind_partial(*self.op_args, **kwargs).arguments
        missing = [
            p.name for p in signature.parameters.values()
            if p.name not in bound and p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        held_back = [name for name in missing if name in context]
        if held_back:
            raise AirflowException(
                f"Task {self.task_id!r}: the function asks for {', '.join(held_back)} from the context, which cannot "
                "be passed to another Python (only plain values can: "
                f"{', '.join(sorted(SERIALIZABLE_CONTEXT_KEYS))})"
            )
        return kwargs

    def _environment(self) -> dict[str, str]:
        env = dict(os.environ) if self.inherit_env else {}
        env.update(self.env_vars or {})
        env["PYTHONUNBUFFERED"] = "1"
        return env

    def execute(self, context: Mapping[str, Any]) -> Any:
        serializer = self._serializer_module()
        kwargs = self._call_arguments(context)
        python = self._interpreter(context)
        name, source = function_source(self.python_callable)
        what = f"{self.operator_name} task {self.task_id!r}"
        with tempfile.TemporaryDirectory(prefix="slipstream-python-") as tmp:
            folder = Path(tmp)
            script, arguments = folder / "script.py", folder / "arguments.bin"
            result_file, string_args = folder / "result.bin", folder / "string_args.txt"
            script.write_text(_SCRIPT.format(serializer=self.serializer, what=what, source=source, name=name))
            try:
                with open(arguments, "wb") as handle:
                    serializer.dump((list(self.op_args), kwargs), handle)
            except Exception as err:
                raise AirflowException(
                    f"Task {self.task_id!r}: the function's arguments cannot be serialized with {self.serializer} "
                    f"to pass them to the other Python: {type(err).__name__}: {err}"
                ) from None
            string_args.write_text("".join(f"{arg}\n" for arg in self.string_args))
            self.log.info("Running %s in %s", name, python)
            code = venv_cache.run_streaming(
                [python, str(script), str(arguments), str(result_file), str(string_args)], env=self._environment()
            )
            if code in self.skip_on_exit_code:
                raise AirflowSkipException(f"The process exited with code {code}: skipping")
            if code != 0:
                raise AirflowException(
                    f"The function {name} failed in {python}: the process exited with code {code} "
                    "(its traceback is in the log above)"
                )
            try:
                with open(result_file, "rb") as handle:
                    result = serializer.load(handle)
            except Exception as err:
                raise AirflowException(
                    f"Task {self.task_id!r}: the value the function returned cannot be loaded in the task process "
                    f"({type(err).__name__}: {err}); return plain Python values (str, int, list, dict, ...)"
                ) from None
        if self.show_return_value_in_logs:
            self.log.info("Done. Returned value was: %r", result)
        return result


class PythonVirtualenvOperator(_BasePythonVenvOperator):
    """Run the function in a virtual environment with ``requirements``, made with ``python_version``.

    Environments are cached (``venv_cache_path``, default ``[core] virtualenv_cache``): the
    first task that needs one builds it, later ones reuse it.
    """

    template_fields: Sequence[str] = (
        *PythonOperator.template_fields, "requirements", "index_urls", "venv_cache_path",
    )

    def __init__(
        self,
        *,
        python_callable: Callable[..., Any],
        requirements: None | Iterable[str] | str = None,
        python_version: str | float | None = None,
        system_site_packages: bool = True,
        pip_install_options: list[str] | None = None,
        index_urls: None | Collection[str] | str = None,
        venv_cache_path: None | os.PathLike[str] | str = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(requirements, str):
            requirements = [requirements]
        self.requirements = list(requirements or [])
        self.python_version = str(python_version) if python_version is not None else None
        self.system_site_packages = system_site_packages
        self.pip_install_options = list(pip_install_options or [])
        self.index_urls = [index_urls] if isinstance(index_urls, str) else (list(index_urls) if index_urls else None)
        self.venv_cache_path = str(venv_cache_path) if venv_cache_path is not None else None
        super().__init__(python_callable=python_callable, **kwargs)

    def requirement_lines(self, context: Mapping[str, Any]) -> list[str]:
        """The requirements, one a line; an entry ending in ``.txt`` names a requirements file
        (relative to the DAG file's folder), rendered as a template like Airflow does."""
        from slipstream.sdk.templating import make_environment

        lines: list[str] = []
        folder = os.path.dirname(self.dag.fileloc) if self.dag is not None and self.dag.fileloc else "."
        for item in self.requirements:
            text = str(item)
            if text.endswith(".txt") and "\n" not in text:
                path = Path(folder, text)
                if not path.is_file():
                    raise AirflowException(f"Task {self.task_id!r}: the requirements file {path} does not exist")
                text = make_environment().from_string(path.read_text()).render(**context)
            lines.extend(line.strip() for line in text.splitlines())
        lines = [line for line in lines if line and not line.startswith("#")]
        if self.serializer != "pickle" and not any(line.startswith(self.serializer) for line in lines):
            lines.append(self.serializer)
        return lines

    def _interpreter(self, context: Mapping[str, Any]) -> str:
        python, full_version = venv_cache.find_python(self.python_version)
        cache = Path(self.venv_cache_path).expanduser() if self.venv_cache_path else venv_cache.default_cache_folder()
        venv_python = venv_cache.prepared_venv(
            cache=cache, python=python, python_version=full_version, requirements=self.requirement_lines(context),
            system_site_packages=self.system_site_packages, pip_install_options=self.pip_install_options,
            index_urls=self.index_urls, log=self.log,
        )
        return str(venv_python)


class ExternalPythonOperator(_BasePythonVenvOperator):
    """Run the function with an existing interpreter (``python``: the path of its executable)."""

    template_fields: Sequence[str] = (*PythonOperator.template_fields, "python")

    def __init__(self, *, python: str, python_callable: Callable[..., Any], **kwargs: Any) -> None:
        if not python:
            raise DagDefinitionError("ExternalPythonOperator needs python=<path of a Python executable>")
        self.python = os.fspath(python)
        super().__init__(python_callable=python_callable, **kwargs)

    def _interpreter(self, context: Mapping[str, Any]) -> str:
        if not os.path.exists(self.python):
            raise AirflowException(
                f"Task {self.task_id!r}: the Python executable {self.python} does not exist on this machine"
            )
        version, why = venv_cache.interpreter_version(self.python)
        if version is None:
            raise AirflowException(f"Task {self.task_id!r}: the Python executable {self.python} does not run: {why}")
        self.log.info("Using the Python %s at %s", version, self.python)
        return self.python


class BranchPythonVirtualenvOperator(BranchPythonOperator, PythonVirtualenvOperator):
    """A branch whose function runs in a virtual environment; it returns the task id(s) to follow."""


class BranchExternalPythonOperator(BranchPythonOperator, ExternalPythonOperator):
    """A branch whose function runs with an existing interpreter; it returns the task id(s) to follow."""
