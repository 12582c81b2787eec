"""Run one try of one task instance and report it through the store.

The same function runs under every executor: it claims the try (queued -> running), loads the
DAG file, builds the context, renders templates, executes the operator, and writes XComs and
the final state in one transaction. A try it does not own (another process got it, or it was
cleared) is left alone.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.config import Settings
from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.dagfiles.loader import load_dag_file_cached
from slipstream.executors.base import Workload
from slipstream.runner.context import DagRunInfo, RuntimeTaskInstance, build_context
from slipstream.sdk.context import set_current_context
from slipstream.sdk.exceptions import AirflowFailException, AirflowSkipException
from slipstream.sdk.xcom_arg import RETURN_VALUE
from slipstream.store import dag_runs, task_instances, task_logs, xcoms
from slipstream.store.db import Database
from slipstream.store.states import TaskInstanceState as TI
from slipstream.store.types import utcnow

log = logging.getLogger("slipstream.runner")


@dataclass(frozen=True)
class TryResult:
    state: str
    error: str | None = None
    next_try_at: datetime | None = None
    xcoms: tuple[tuple[str, Any], ...] = ()


class _Heartbeat(threading.Thread):
    def __init__(self, db: Database, ti_id: int, try_number: int, interval: float) -> None:
        super().__init__(name="task-heartbeat", daemon=True)
        self.db, self.ti_id, self.try_number, self.interval = db, ti_id, try_number, interval
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            with self.db.write_connection() as session:
                alive = task_instances.heartbeat(session, self.ti_id, self.try_number, utcnow())
            if not alive:
                log.warning("This try is no longer the running one (it was cleared or marked); stopping heartbeat")
                return

    def stop(self) -> None:
        self.stopped.set()


def _dag_run_info(row: Any) -> DagRunInfo:
    return DagRunInfo(
        id=row.id, dag_id=row.dag_id, run_id=row.run_id, run_type=row.run_type, logical_date=row.logical_date,
        data_interval_start=row.data_interval_start, data_interval_end=row.data_interval_end,
        conf=dict(row.conf or {}), start_date=row.start_date,
    )


def execute_task(
    dag: Any, task_id: str, dag_run: DagRunInfo, *, db: Database | None, map_index: int, try_number: int, max_tries: int
) -> TryResult:
    """Render and execute one task of a loaded DAG; never raises for the task's own errors."""
    task = dag.get_task(task_id)
    ti = RuntimeTaskInstance(db=db, dag_run=dag_run, task=task, map_index=map_index, try_number=try_number, max_tries=max_tries)
    try:
        params = task.params.resolve(dag_run.conf)
        context = build_context(dag=dag, task=task, dag_run=dag_run, ti=ti, params=params)
        with set_current_context(context):
            task.render_template_fields(context)
            result = task.execute(context)
        pushed: list[tuple[str, Any]] = []
        if task.do_xcom_push and result is not None:
            pushed.append((RETURN_VALUE, result))
            if task.multiple_outputs and isinstance(result, dict):
                pushed.extend((str(k), v) for k, v in result.items())
        for _, value in pushed:
            xcoms.encode(value)
        return TryResult(TI.SUCCESS.value, xcoms=tuple(pushed))
    except AirflowSkipException as err:
        log.info("Task skipped: %s", err)
        return TryResult(TI.SKIPPED.value, error=str(err) or None)
    except AirflowFailException as err:
        traceback.print_exc(file=sys.stdout)
        return TryResult(TI.FAILED.value, error=f"{type(err).__name__}: {err} (no retry)")
    except BaseException as err:
        if isinstance(err, KeyboardInterrupt):
            raise
        traceback.print_exc(file=sys.stdout)
        state = task_instances.failure_state(try_number, max_tries)
        next_try_at = utcnow() + task.next_retry_delay(try_number) if state is TI.UP_FOR_RETRY else None
        return TryResult(state.value, error=f"{type(err).__name__}: {err}", next_try_at=next_try_at)


def run_task(workload: Workload, settings: Settings, db: Database | None = None) -> str:
    """Run the try described by ``workload``; returns the state it ended in ('lost' if not ours)."""
    db = db or Database(settings.sql_alchemy_conn)
    hostname, pid, now = socket.gethostname(), os.getpid(), utcnow()
    path = task_logs.log_path(
        settings.base_log_folder, workload.dag_id, workload.run_id, workload.task_id, workload.map_index,
        workload.try_number,
    )
    with db.write_connection() as session:
        claimed = task_instances.start_try(session, workload.ti_id, workload.try_number, hostname, pid, now)
        if claimed is not None:
            task_logs.record(
                session, dag_id=workload.dag_id, run_id=workload.run_id, task_id=workload.task_id,
                map_index=workload.map_index, try_number=workload.try_number, path=str(path), hostname=hostname,
                now=now,
            )
            run_row = dag_runs.row_by_id(session, claimed.dag_run_id)
    if claimed is None:
        log.warning("%s: not queued for this try any more; another process has it. Nothing run.", workload.label)
        return "lost"
    log.info("Running %s on %s (pid %s)", workload.label, hostname, pid)
    heartbeat = _Heartbeat(db, workload.ti_id, workload.try_number, settings.task_heartbeat_sec)
    heartbeat.start()
    try:
        with airflow_imports():
            loaded = load_dag_file_cached(workload.fileloc)
            dag = next((d for d in loaded.dags if d.dag_id == workload.dag_id), None)
            if dag is None:
                problem = loaded.errors[0].exception if loaded.errors else "the file no longer defines this DAG"
                print(loaded.errors[0].stacktrace if loaded.errors else problem, file=sys.stdout)
                state = task_instances.failure_state(workload.try_number, claimed.max_tries)
                result = TryResult(state.value, error=f"Could not load DAG {workload.dag_id!r} from {workload.fileloc}: {problem}")
            elif not dag.has_task(workload.task_id):
                result = TryResult(TI.FAILED.value, error=f"Task {workload.task_id!r} is no longer in DAG {workload.dag_id!r}")
            else:
                result = execute_task(
                    dag, workload.task_id, _dag_run_info(run_row), db=db, map_index=workload.map_index,
                    try_number=workload.try_number, max_tries=claimed.max_tries,
                )
    finally:
        heartbeat.stop()
    sys.stdout.flush()
    return _report(db, workload, run_row.id, result, started_at=now)


class _LostTry(Exception):
    pass


def _report(db: Database, workload: Workload, dag_run_id: int, result: TryResult, started_at: datetime) -> str:
    try:
        with db.write_connection() as session:
            now = utcnow()
            for key, value in result.xcoms:
                xcoms.push(
                    session, dag_run_id=dag_run_id, dag_id=workload.dag_id, run_id=workload.run_id,
                    task_id=workload.task_id, map_index=workload.map_index, key=key, value=value, now=now,
                )
            if not task_instances.finish_try(
                session, workload.ti_id, workload.try_number, result.state, now,
                next_try_at=result.next_try_at, reason=result.error, started_at=started_at,
            ):
                raise _LostTry
    except _LostTry:
        log.warning("%s: the try was changed by someone else while it ran; its result is dropped", workload.label)
        return "lost"
    if result.error:
        log.info("Marking task as %s. %s", result.state.upper(), result.error)
    else:
        log.info("Marking task as %s.", result.state.upper())
    return result.state
