"""A DAG's on_success_callback / on_failure_callback, run in a process when a run finishes; and
the one entry for every request of user code from the scheduler (``run_callback_request``)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from slipstream.config import Settings
from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.dagfiles.loader import dag_file_settings, load_dag_file_cached
from slipstream.executors.base import CallbackRequest, DeadlineRequest, TaskCallbackRequest
from slipstream.runner.context import RuntimeTaskInstance, build_context
from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_runner import _dag_run_info, run_callbacks
from slipstream.store import dag_runs, task_instances
from slipstream.store.db import Database
from slipstream.store.log_paths import callback_log_file, log_file

log = logging.getLogger("slipstream.runner")


def callback_log_path(base: Path, request: CallbackRequest | DeadlineRequest | TaskCallbackRequest) -> Path:
    """Where a callback process writes: the run's ``callbacks=dag.log`` or ``callbacks=deadline.log``
    (names no task's folder can have, see store/log_paths.py); a task's callbacks, at the end of
    the log of the try they follow."""
    if isinstance(request, TaskCallbackRequest):
        return Path(log_file(os.fspath(base), request.dag_id, request.run_id, request.task_id, request.map_index,
                             request.try_number))
    kind = "deadline" if isinstance(request, DeadlineRequest) else "dag"
    return callback_log_file(base, request.dag_id, request.run_id, kind)


def run_callback_request(request: CallbackRequest | DeadlineRequest | TaskCallbackRequest, settings: Settings) -> None:
    """Run the user code a request from the scheduler asks for (in the process it is run in)."""
    if isinstance(request, DeadlineRequest):
        from slipstream.runner.deadline_callbacks import run_deadline_request

        run_deadline_request(request, settings)
    elif isinstance(request, TaskCallbackRequest):
        from slipstream.runner.task_callbacks import run_task_callbacks

        run_task_callbacks(request, settings)
    else:
        run_dag_callback(request, settings)


def run_dag_callback(request: CallbackRequest, settings: Settings) -> None:
    """Load the DAG, build the context of the run (with the failed task when there is one), call."""
    db = Database(settings.sql_alchemy_conn)
    try:
        with db.read() as session:
            run = dag_runs.get(session, request.dag_id, request.run_id)
            rows = task_instances.for_run(session, request.dag_id, request.run_id)
            run_row = dag_runs.row_by_id(session, run.id) if run is not None else None
        if run_row is None:
            log.warning("DAG run %s %s is gone; no callback", request.dag_id, request.run_id)
            return
        with airflow_imports(), dag_file_settings(settings):
            loaded = load_dag_file_cached(request.fileloc)
            dag = next((d for d in loaded.dags if d.dag_id == request.dag_id), None)
            if dag is None:
                log.error("DAG %s no longer loads from %s; its callback cannot run", request.dag_id, request.fileloc)
                return
            callback = dag.extra_arguments.get("on_success_callback" if request.success else "on_failure_callback")
            failed = [r for r in rows if r.state == "failed" and dag.has_task(r.task_id)]
            row = failed[0] if failed else next((r for r in reversed(rows) if dag.has_task(r.task_id)), None)
            if row is None:
                return
            info = _dag_run_info(dict(run_row._mapping))
            task = dag.get_task(row.task_id)
            ti = RuntimeTaskInstance(
                store=DirectTryStore(db), dag_run=info, task=task, map_index=row.map_index,
                try_number=row.try_number, max_tries=row.max_tries,
            )
            context = build_context(dag=dag, task=task, dag_run=info, ti=ti, params=task.params.resolve(info.conf))
            context["reason"] = request.reason
            log.info("Running the %s callback of DAG %s for run %s", "success" if request.success else "failure",
                     request.dag_id, request.run_id)
            run_callbacks(callback, context, "the DAG callback")
    finally:
        db.dispose()
