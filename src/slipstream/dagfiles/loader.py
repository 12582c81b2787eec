"""Importing one DAG file and collecting its DAGs, or the error that stopped it."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import io
import os
import sys
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.dagfiles.store_secrets import StoreSecrets
from slipstream.sdk.context import parsing_for
from slipstream.sdk.dag import DAG, dag_context
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.secrets import secrets_provider
from slipstream.sdk.task_group import task_group_context

if TYPE_CHECKING:
    from slipstream.config import Settings


@dataclass
class ImportErrorInfo:
    """Why a DAG file failed to load: the line in the file, the error, the traceback."""

    filename: str
    line: int | None
    exception: str
    stacktrace: str

    def as_dict(self) -> dict[str, Any]:
        return {"filename": self.filename, "line": self.line, "exception": self.exception, "stacktrace": self.stacktrace}


@dataclass
class LoadedFile:
    path: str
    dags: list[DAG] = field(default_factory=list)
    errors: list[ImportErrorInfo] = field(default_factory=list)
    seconds: float = 0.0


def module_name_for(path: str) -> str:
    digest = hashlib.sha1(path.encode()).hexdigest()[:12]
    stem = "".join(c if c.isalnum() else "_" for c in Path(path).stem)
    return f"slipstream_dagfile_{digest}_{stem}"


def python_formatted(error: BaseException) -> str:
    """The traceback exactly as Python prints it, with its hints ("Did you mean: 'task_1'?").

    Python 3.11 adds those hints only in the interpreter's own printing, not in the traceback
    module, so the interpreter's hook prints into a buffer.
    """
    buffer, stderr = io.StringIO(), sys.stderr
    sys.stderr = buffer
    try:
        sys.__excepthook__(type(error), error, error.__traceback__)
    finally:
        sys.stderr = stderr
    return buffer.getvalue()


def describe_error(path: str, error: BaseException) -> ImportErrorInfo:
    """Turn an exception raised while importing ``path`` into an ImportErrorInfo."""
    line: int | None = None
    if isinstance(error, SyntaxError) and error.filename and os.path.abspath(error.filename) == path:
        line = error.lineno
    for frame, lineno in traceback.walk_tb(error.__traceback__):
        if frame.f_code.co_filename == path:
            line = lineno
    from slipstream.sdk.secrets_masker import redact_text

    stacktrace = redact_text(python_formatted(error))  # the file may have read a secret before it failed
    if isinstance(error, SystemExit):
        exception = f"SystemExit: the DAG file called sys.exit({error.code!r}) while it was being loaded"
    else:
        exception = stacktrace.rstrip().splitlines()[-1]
    return ImportErrorInfo(filename=path, line=line, exception=exception, stacktrace=stacktrace)


def load_dag_file(path: str | os.PathLike[str]) -> LoadedFile:
    """Import the file with Airflow names mapped; collect its DAGs and validate each one.

    User code runs here: call it only in a parser child process or a task process.
    """
    path = os.path.abspath(os.fspath(path))
    started = time.perf_counter()
    result = LoadedFile(path=path)
    name = module_name_for(path)
    dag_context.registered.clear()
    dag_context.stack.clear()
    task_group_context.stack.clear()
    # Variable.get at the top level of a DAG file reads the store (unless a task's provider is set).
    with airflow_imports(), secrets_provider(StoreSecrets(), fallback=True):
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            result.errors.append(ImportErrorInfo(path, None, f"Cannot load {path}: not a Python file", ""))
            return result
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        directory = os.path.dirname(path)
        if directory not in sys.path:
            sys.path.insert(0, directory)
        try:
            spec.loader.exec_module(module)
        except (Exception, SystemExit) as error:
            sys.modules.pop(name, None)
            result.errors.append(describe_error(path, error))
            result.seconds = time.perf_counter() - started
            return result
    found: dict[int, DAG] = {id(d): d for d in dag_context.registered}
    found.update({id(v): v for v in vars(module).values() if isinstance(v, DAG)})
    seen_ids: dict[str, DAG] = {}
    for dag in found.values():
        if dag.dag_id in seen_ids:
            result.errors.append(
                ImportErrorInfo(path, None, f"DagDefinitionError: the DAG id {dag.dag_id!r} is defined twice in this file", "")
            )
            continue
        seen_ids[dag.dag_id] = dag
        dag.fileloc = path
        try:
            dag.validate()
        except DagDefinitionError as error:
            result.errors.append(describe_error(path, error))
            continue
        result.dags.append(dag)
    result.seconds = time.perf_counter() - started
    return result


# path -> (modification time, what was loaded, the (dag_id, task_id) it was imported for or None)
_cache: dict[str, tuple[int, LoadedFile, tuple[str, str] | None]] = {}


def load_dag_file_cached(path: str | os.PathLike[str], for_task: tuple[str, str] | None = None) -> LoadedFile:
    """``load_dag_file``, reusing the result while the file's modification time is unchanged.

    A process forked after a warm load (a zygote's task process) gets the DAG for free.
    ``for_task`` (dag_id, task_id) is what ``get_parsing_context()`` tells the file when it is
    imported now; a file imported for one task is not reused for another (it may have built
    only that task's DAG)."""
    path = os.path.abspath(os.fspath(path))
    mtime = os.stat(path).st_mtime_ns
    cached = _cache.get(path)
    if cached is not None and cached[0] == mtime and cached[2] in (None, for_task):
        return cached[1]
    with parsing_for(*(for_task or (None, None))):
        loaded = load_dag_file(path)
    if loaded.dags:
        _cache[path] = (mtime, loaded, for_task)
    return loaded


@contextlib.contextmanager
def dag_file_settings(settings: Settings) -> Iterator[None]:
    """What DAG files loaded in this process read from the settings: the time zone of naive
    dates (``[core] default_timezone``) and whether a cron string or a timedelta as schedule has
    data intervals (``[scheduler] create_cron_data_intervals`` / ``create_delta_data_intervals``);
    and which variable and extra keys are sensitive to the secrets masker (process-wide, kept)."""
    from slipstream.sdk import secrets_masker
    from slipstream.sdk.timezone import using_default_timezone
    from slipstream.timetables.schedule import using_data_intervals

    secrets_masker.configure(
        settings.sensitive_var_conn_names, settings.hide_sensitive_var_conn_fields, settings.min_length_masked_secret
    )

    with using_default_timezone(settings.default_timezone), using_data_intervals(
        settings.create_cron_data_intervals, settings.create_delta_data_intervals
    ):
        yield
