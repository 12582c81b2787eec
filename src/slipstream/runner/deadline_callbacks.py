"""A deadline's user code, in a process of its own: the callback of a missed deadline, or the
evaluation of a custom deadline reference or of a VariableInterval (sdk/deadline.py).

The DAG file is loaded first (its module registered under its name), so a callback or reference
class defined in the DAG file is found by its dotted path, as are those of other modules.
A callback is called as Airflow calls it: with its kwargs, plus ``context`` (``dag_run``: the run
as JSON, ``deadline``: its id and time) when it takes a ``context`` argument or ``**kwargs``; an
``AsyncCallback`` is run to completion in an event loop here (there is no triggerer). A notifier
class is made with the kwargs (and the context), then called with the context (SyncCallback) or
awaited (AsyncCallback: its ``async_notify``).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from types import SimpleNamespace
from typing import Any

from slipstream.config import Settings
from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.dagfiles.loader import dag_file_settings, load_dag_file_cached
from slipstream.executors.base import DeadlineRequest
from slipstream.sdk.deadline import BaseDeadlineReference, evaluate_custom, interval_seconds
from slipstream.sdk.module_loading import import_string
from slipstream.sdk.variable import Variable
from slipstream.store import dag_runs, deadlines
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

log = logging.getLogger("slipstream.runner")


def run_deadline_request(request: DeadlineRequest, settings: Settings) -> None:
    db = Database(settings.sql_alchemy_conn)
    try:
        with db.read() as session:
            row = deadlines.get(session, request.deadline_id)
            run = dag_runs.get(session, request.dag_id, request.run_id)
            run_row = dag_runs.row_by_id(session, run.id) if run is not None else None
        if row is None or run_row is None:
            log.warning("The deadline %s of %s %s is gone; nothing to do", request.deadline_id, request.dag_id,
                        request.run_id)
            return
        with airflow_imports(), dag_file_settings(settings):
            loaded = load_dag_file_cached(request.fileloc)
            for error in loaded.errors:
                log.warning("The DAG file %s does not load: %s", request.fileloc, error)
            if request.action == "evaluate":
                _evaluate(db, row, dict(run_row._mapping))
            else:
                _alert(row, dict(run_row._mapping))
    finally:
        db.dispose()


def _evaluate(db: Database, row: Any, run: dict[str, Any]) -> None:
    """The deadline's base time (a custom reference's, or a built-in one's) and its interval (a
    Variable's, or the alert's); a failure leaves no deadline and says why in the log."""
    reference = dict(row.reference)
    class_path = reference.get("class_path")
    try:
        if class_path:
            reference_class = import_string(class_path)
            if not (isinstance(reference_class, type) and issubclass(reference_class, BaseDeadlineReference)):
                raise TypeError(f"{class_path} is not a BaseDeadlineReference subclass")
            base = evaluate_custom(reference_class.deserialize_reference(reference), run)
            if base is not None and not isinstance(base, datetime):
                raise TypeError(f"{class_path}._evaluate_with returned {type(base).__name__}, not a datetime or None")
        else:
            with db.read() as session:
                base = deadlines.base_time(session, reference, SimpleNamespace(**run), utcnow())
        interval = None
        if reference.get("interval_variable"):
            key = reference["interval_variable"]
            interval = interval_seconds(key, Variable.get(key, default_var=None))
    except Exception:
        log.exception("DAG run %s %s: the deadline of alert %s could not be evaluated; it has no deadline",
                      row.dag_id, row.run_id, row.name or row.alert_index)
        base = None
    with db.write() as session:
        deadlines.set_evaluated(session, row.id, base, interval if base is not None else None)
    log.info("DAG run %s %s: deadline of alert %s: %s", row.dag_id, row.run_id, row.name or row.alert_index,
             "none" if base is None else (base + (interval or timedelta(seconds=row.interval))).isoformat())


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def run_as_json(run: dict[str, Any]) -> dict[str, Any]:
    """The run as Airflow's REST API shows it (the ``dag_run`` a deadline callback receives)."""
    return {
        "dag_run_id": run["run_id"], "dag_id": run["dag_id"], "logical_date": _iso(run["logical_date"]),
        "queued_at": _iso(run["queued_at"]), "start_date": _iso(run["start_date"]), "end_date": _iso(run["end_date"]),
        "data_interval_start": _iso(run["data_interval_start"]), "data_interval_end": _iso(run["data_interval_end"]),
        "run_after": _iso(run["logical_date"] or run["queued_at"]), "run_type": run["run_type"],
        "state": run["state"], "conf": run["conf"] or {}, "note": run["note"],
    }


def takes_context(function: Callable[..., Any]) -> bool:
    try:
        parameters = inspect.signature(function).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == "context" or p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters)


def _alert(row: Any, run: dict[str, Any]) -> None:
    path = row.callback["path"]
    context = {
        "dag_run": run_as_json(run),
        "deadline": {"id": str(row.id), "deadline_time": _iso(row.deadline_time), "name": row.name},
    }
    kwargs = dict(row.callback.get("kwargs") or {})
    log.warning("DAG run %s %s missed its deadline %s (%s): running %s", row.dag_id, row.run_id,
                row.name or row.alert_index, _iso(row.deadline_time), path)
    try:
        callback = import_string(path)
        result = callback(**kwargs, context=context) if takes_context(callback) else callback(**kwargs)
        if row.callback.get("kind") == "async":
            if inspect.isawaitable(result):  # a coroutine, or a notifier made with the context
                asyncio.run(_awaited(result))
        elif inspect.iscoroutine(result):
            asyncio.run(_awaited(result))
        elif callable(result):  # a notifier class was given: it was made with the kwargs, now it notifies
            result(context)
    except Exception:
        log.exception("The deadline callback %s of %s %s failed", path, row.dag_id, row.run_id)
        return
    log.info("The deadline callback %s of %s %s finished", path, row.dag_id, row.run_id)


async def _awaited(awaitable: Any) -> Any:
    return await awaitable
