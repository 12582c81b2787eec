"""A task's on_failure_callback / on_retry_callback and alert mail for a try the scheduler failed.

Runs in a process of its own (``TaskCallbackRequest``, see scheduler/failure_callbacks.py),
writing to the end of the try's own log, so ``tasks logs`` shows why the try ended and what ran
after. As in Airflow, the callback gets the try's template context; as the try itself would have
given it, ``context["exception"]`` is an exception carrying the scheduler's reason (Airflow's
scheduler gives its mail that much, and no exception to the callback).
"""

from __future__ import annotations

import logging
from typing import Any

from slipstream.config import Settings
from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.dagfiles.loader import dag_file_settings, load_dag_file_cached
from slipstream.executors.base import TaskCallbackRequest
from slipstream.runner import email_alerts
from slipstream.runner.context import RuntimeTaskInstance, build_context
from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_runner import _dag_run_info, run_callbacks
from slipstream.sdk.context import set_current_context
from slipstream.sdk.exceptions import AirflowException
from slipstream.sdk.secrets import secrets_provider
from slipstream.store import dag_runs, task_instances
from slipstream.store.db import Database
from slipstream.store.log_paths import log_file
from slipstream.store.states import TaskInstanceState as TI

log = logging.getLogger("slipstream.runner")


class TaskFailedByScheduler(AirflowException):
    """``context["exception"]`` of a callback for a try the scheduler failed: its reason."""


def run_task_callbacks(request: TaskCallbackRequest, settings: Settings) -> None:
    """Load the DAG, build the try's context, call the task's callbacks for ``request.state``, mail."""
    db = Database(settings.sql_alchemy_conn)
    try:
        with db.read() as session:
            run = dag_runs.get(session, request.dag_id, request.run_id)
            run_row = dag_runs.row_by_id(session, run.id) if run is not None else None
            row = next((r for r in task_instances.for_run(session, request.dag_id, request.run_id)
                        if r.task_id == request.task_id and r.map_index == request.map_index), None)
        if run_row is None or row is None:
            log.warning("%s.%s %s is gone; its %s callbacks are not run", request.dag_id, request.task_id,
                        request.run_id, request.state)
            return
        store = DirectTryStore(db)
        with airflow_imports(), dag_file_settings(settings), secrets_provider(store):
            loaded = load_dag_file_cached(request.fileloc)
            dag = next((d for d in loaded.dags if d.dag_id == request.dag_id), None)
            if dag is None or not dag.has_task(request.task_id):
                log.error("Task %s.%s no longer loads from %s; its %s callbacks cannot run", request.dag_id,
                          request.task_id, request.fileloc, request.state)
                return
            task = dag.get_task(request.task_id)
            info = _dag_run_info(dict(run_row._mapping))
            ti = RuntimeTaskInstance(
                store=store, dag_run=info, task=task, map_index=request.map_index, try_number=request.try_number,
                max_tries=row.max_tries,
            )
            error = TaskFailedByScheduler(request.reason)
            context: dict[str, Any] = build_context(dag=dag, task=task, dag_run=info, ti=ti,
                                                    params=task.params.resolve(info.conf))
            context["exception"] = error
            callbacks = task.on_retry_callback if request.state == TI.UP_FOR_RETRY.value else task.on_failure_callback
            if callbacks:
                log.info("The scheduler set this try to %s (%s): running the task's %s callback", request.state,
                         request.reason, "retry" if request.state == TI.UP_FOR_RETRY.value else "failure")
                with set_current_context(context):
                    run_callbacks(callbacks, context, f"the {request.state} callback")
            _mail(settings, task, request, row.max_tries, error)
    finally:
        db.dispose()


def _mail(settings: Settings, task: Any, request: TaskCallbackRequest, max_tries: int, error: BaseException) -> None:
    path = log_file(str(settings.base_log_folder), request.dag_id, request.run_id, request.task_id,
                    request.map_index, request.try_number)
    info = email_alerts.TryInfo(
        dag_id=request.dag_id, task_id=request.task_id, run_id=request.run_id, map_index=request.map_index,
        try_number=request.try_number, max_tries=max_tries, hostname=request.hostname, log_path=path,
    )
    email_alerts.send_alert(settings, task, info, request.state, error)
