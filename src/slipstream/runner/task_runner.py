"""Run one try of one task instance and report it through the store.

The same function runs under every executor: it claims the try (queued -> running), loads the
DAG file, builds the context, renders templates, executes the operator, and writes XComs and
the final state in one transaction. A try it does not own (another process got it, or it was
cleared) is left alone.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import os
import signal
import socket
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slipstream.config import Settings
from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.dagfiles.loader import dag_file_settings, load_dag_file_cached
from slipstream.dagfiles.store_secrets import StoreSecrets
from slipstream.executors.base import Workload
from slipstream.runner import asset_events
from slipstream.runner.context import NOT_READ, DagRunInfo, RuntimeTaskInstance, build_context
from slipstream.runner.mapped_instance import render_map_index, unmapped_instance
from slipstream.runner.try_store import Claim, TryStore
from slipstream.sdk import secrets_masker
from slipstream.sdk.context import set_current_context
from slipstream.sdk.exceptions import (
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
)
from slipstream.sdk.mapping import check_pushed_for_mapping
from slipstream.sdk.secrets import secrets_provider
from slipstream.sdk.task_log import write_line
from slipstream.sdk.xcom_arg import RETURN_VALUE
from slipstream.store.clock import utcnow
from slipstream.store.log_paths import log_file
from slipstream.store.states import TaskInstanceState as TI
from slipstream.store.states import failure_state
from slipstream.store.values import encode, storable

log = logging.getLogger("slipstream.runner")


@dataclass(frozen=True)
class TryResult:
    state: str
    error: str | None = None
    next_try_at: datetime | None = None
    xcoms: tuple[tuple[str, Any], ...] = ()
    skip_task_ids: tuple[str, ...] = ()
    rendered_map_index: str | None = None
    rendered_fields: dict[str, Any] | None = None  # stored with the try's result (``tasks render``)
    asset_events: tuple[dict[str, Any], ...] = ()  # recorded with a success (see runner/asset_events.py)


class _Heartbeat(threading.Thread):
    def __init__(self, store: TryStore, ti_id: int, try_number: int, interval: float, stop_process_group: bool) -> None:
        super().__init__(name="task-heartbeat", daemon=True)
        self.store, self.ti_id, self.try_number, self.interval = store, ti_id, try_number, interval
        self.stop_process_group = stop_process_group
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            if not self.store.heartbeat(ti_id=self.ti_id, try_number=self.try_number):
                if self.stop_process_group:
                    log.warning("This try is no longer the running one (it was cleared or marked): stopping it")
                    sys.stdout.flush()
                    os.killpg(os.getpgrp(), signal.SIGTERM)
                return

    def stop(self) -> None:
        self.stopped.set()


def _dag_run_info(row: dict[str, Any], previous_success: Any = NOT_READ) -> DagRunInfo:
    return DagRunInfo(
        id=row["id"], dag_id=row["dag_id"], run_id=row["run_id"], run_type=row["run_type"],
        logical_date=row["logical_date"], data_interval_start=row["data_interval_start"],
        data_interval_end=row["data_interval_end"], conf=dict(row["conf"] or {}), start_date=row["start_date"],
        previous_success=previous_success, partition_key=row.get("partition_key"), partition_date=row.get("partition_date"),
    )


@contextlib.contextmanager
def time_limit(limit: timedelta | None) -> Iterator[None]:
    """Raise AirflowTaskTimeout in the task's code when ``limit`` has passed (main thread only).

    Code that never returns to Python (a blocking C call) is stopped by the scheduler instead,
    which kills the whole process group a little later (see Scheduler._check_timeouts)."""
    if limit is None or threading.current_thread() is not threading.main_thread():
        yield
        return
    seconds = limit.total_seconds()

    def expired(*_: object) -> None:
        raise AirflowTaskTimeout(f"execution_timeout of {seconds:g} s exceeded")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def execute_task(
    dag: Any,
    task_id: str,
    dag_run: DagRunInfo,
    *,
    store: TryStore | None,
    map_index: int,
    try_number: int,
    max_tries: int,
    max_map_length: int = 100_000,
) -> TryResult:
    """Render and execute one task of a loaded DAG; never raises for the task's own errors.

    Without a ``store`` (``tasks test``) XComs stay in memory. An instance of a mapped task
    runs the operator rebuilt with its own item (see ``slipstream.sdk.mapping``)."""
    # A copy per try: rendering sets the fields, and the DAG object may serve other tries (inline, cache).
    task = copy.copy(dag.get_task(task_id))
    ti = RuntimeTaskInstance(
        store=store, dag_run=dag_run, task=task, map_index=map_index, try_number=try_number, max_tries=max_tries
    )
    context: dict[str, Any] = {"dag": dag, "task": task, "ti": ti, "task_instance": ti, "dag_run": dag_run}
    error: BaseException | None = None
    rendered: dict[str, Any] | None = None
    # Variables and Connections: the try's store, or (``tasks test``) the configured database.
    with secrets_provider(store or StoreSecrets(), fallback=True):
        try:
            params = task.params.resolve(dag_run.conf)
            context = build_context(dag=dag, task=task, dag_run=dag_run, ti=ti, params=params)
            context.update(asset_events.asset_context(task, dag_run, store))
            if task.is_mapped:
                task = unmapped_instance(task, context, map_index)
                ti.task = context["task"] = task
            with set_current_context(context), time_limit(task.execution_timeout):
                # As the store keeps them (text for what JSON cannot hold), so they cross to the store service.
                rendered = storable(task.render_template_fields(context)) or None
                # Airflow's order: templates, pre_execute, on_execute_callback, execute, post_execute.
                if task.pre_execute_hook is not None:
                    task.pre_execute_hook(context)
                task.pre_execute(context)
                run_callbacks(task.on_execute_callback, context, "on_execute_callback")
                returned = asset_events.drain_metadata(task.execute(context), context["outlet_events"])
                if task.post_execute_hook is not None:
                    task.post_execute_hook(context, returned)
                task.post_execute(context, returned)
            result = _success(task, ti, returned, max_map_length)
            if task.outlets:
                result = dataclasses.replace(result, asset_events=asset_events.collect(task, context["outlet_events"]))
        except AirflowSkipException as err:
            log.info("Task skipped: %s", err)
            error, result = err, TryResult(TI.SKIPPED.value, error=str(err) or None)
        except AirflowRescheduleException as err:
            log.info("Rescheduling task: the next poke is at %s", err.reschedule_date)
            reason = f"sensor rescheduled: next poke at {err.reschedule_date:%Y-%m-%d %H:%M:%S}"
            result = TryResult(TI.UP_FOR_RESCHEDULE.value, error=reason, next_try_at=err.reschedule_date)
        except (AirflowFailException, AirflowSensorTimeout) as err:
            traceback.print_exc(file=sys.stdout)
            error, result = err, TryResult(TI.FAILED.value, error=f"{type(err).__name__}: {err} (no retry)")
        except BaseException as err:
            if isinstance(err, KeyboardInterrupt):
                raise
            traceback.print_exc(file=sys.stdout)
            error, result = err, _failed(task, err, try_number, max_tries, context)
        callback = {
            TI.SUCCESS.value: task.on_success_callback,
            TI.SKIPPED.value: task.on_skipped_callback,
            TI.UP_FOR_RETRY.value: task.on_retry_callback,
            TI.FAILED.value: task.on_failure_callback,
        }.get(result.state)
        with set_current_context(context):
            run_callbacks(callback, {**context, "exception": error}, f"the {result.state} callback")
        if map_index >= 0:
            result = dataclasses.replace(result, rendered_map_index=render_map_index(task, context, map_index))
        if rendered is not None:
            result = dataclasses.replace(result, rendered_fields=rendered)
    return masked(result)


def masked(result: TryResult) -> TryResult:
    """The result with the secrets this process knows hidden from what is stored and shown: the
    failure reason, the rendered fields (also by field name, as Airflow redacts them) and a
    mapped instance's name. XComs are kept as given, so the next task gets the real value."""
    error, fields, name = result.error, result.rendered_fields, result.rendered_map_index
    if fields:
        fields = {field: secrets_masker.redact(value, field) for field, value in fields.items()}
    if secrets_masker.active():
        error = secrets_masker.redact_text(error) if error else error
        name = secrets_masker.redact_text(name) if name else name
    if error == result.error and name == result.rendered_map_index and fields == result.rendered_fields:
        return result
    return dataclasses.replace(result, error=error, rendered_fields=fields, rendered_map_index=name)


def _failed(task: Any, error: BaseException, try_number: int, max_tries: int, context: dict[str, Any]) -> TryResult:
    """up_for_retry while tries are left, else failed; a task's retry_policy may fail it at once
    or change the wait (sdk/retry_policy.py)."""
    state = failure_state(try_number, max_tries)
    delay, reason = None, f"{type(error).__name__}: {error}"
    policy = getattr(task, "retry_policy", None)
    if policy is not None:
        from slipstream.sdk.retry_policy import RetryAction, decide

        decision = decide(policy, error, try_number, max_tries, context)
        if decision.action is RetryAction.FAIL:
            state = TI.FAILED
        elif decision.action is RetryAction.RETRY:
            delay = decision.retry_delay
        if decision.reason:
            reason += f" (retry policy: {decision.reason})"
    next_try_at = utcnow() + (delay if delay is not None else task.next_retry_delay(try_number)) \
        if state is TI.UP_FOR_RETRY else None
    return TryResult(state.value, error=reason, next_try_at=next_try_at)


def _success(task: Any, ti: RuntimeTaskInstance, returned: Any, max_map_length: int) -> TryResult:
    pushed: list[tuple[str, Any]] = []
    if task.do_xcom_push and returned is not None:
        pushed.append((RETURN_VALUE, returned))
        if task.multiple_outputs and isinstance(returned, dict):
            pushed.extend((str(k), v) for k, v in returned.items())
    for _, value in pushed:
        encode(value)
    check_pushed_for_mapping(task, dict(pushed), max_map_length)
    return TryResult(TI.SUCCESS.value, xcoms=tuple(pushed), skip_task_ids=tuple(sorted(ti.skipped_task_ids)))


def run_callbacks(callbacks: Any, context: dict[str, Any], what: str) -> None:
    """Call a task's callback (one function or a list) with the context; a callback that
    raises is reported in the log and changes nothing else."""
    if not callbacks:
        return
    for callback in callbacks if isinstance(callbacks, (list, tuple)) else [callbacks]:
        try:
            callback(context)
        except Exception:  # noqa: BLE001 - a broken callback must not change the try's outcome
            log.exception("Error in %s %r", what, getattr(callback, "__name__", callback))


def run_task(
    workload: Workload, settings: Settings, store: TryStore | None = None, *, own_process_group: bool = False
) -> str:
    """Run the try described by ``workload``; returns the state it ended in ('lost' if not ours).

    ``own_process_group``: this process leads a process group of its own (a task process), so
    when the try is taken away from it (cleared, marked) the whole group is stopped."""
    if store is None:
        from slipstream.runner.direct_store import DirectTryStore
        from slipstream.store.db import Database

        store = DirectTryStore(Database(settings.sql_alchemy_conn))
    hostname, pid, now = socket.gethostname(), os.getpid(), utcnow()
    key = (workload.dag_id, workload.run_id, workload.task_id, workload.map_index)
    path = log_file(os.fspath(settings.base_log_folder), *key, workload.try_number)
    claim = store.claim(
        ti_id=workload.ti_id, try_number=workload.try_number, hostname=hostname, pid=pid, now=now, key=key,
        log_path=path,
    )
    if claim is None:
        log.warning("%s: not queued for this try any more; another process has it. Nothing run.", workload.label)
        return "lost"
    write_line(f"Running {workload.label} on {hostname} (pid {pid})")
    heartbeat = None
    if not store.keeps_heartbeat:
        heartbeat = _Heartbeat(store, workload.ti_id, workload.try_number, settings.task_heartbeat_sec, own_process_group)
        heartbeat.start()
    try:
        with airflow_imports(), secrets_provider(store), dag_file_settings(settings):
            result, task = _load_and_execute(workload, claim, store, settings.max_map_length)
    finally:
        if heartbeat is not None:
            heartbeat.stop()
    sys.stdout.flush()
    finished = store.finish(
        ti_id=workload.ti_id, try_number=workload.try_number, dag_run_id=claim.dag_run["id"], key=key,
        state=result.state, xcom_values=result.xcoms, next_try_at=result.next_try_at, reason=result.error,
        started_at=now, skip_task_ids=result.skip_task_ids, rendered_map_index=result.rendered_map_index,
        rendered_fields=result.rendered_fields, asset_events=result.asset_events,
    )
    if not finished:
        log.warning("%s: the try was changed by someone else while it ran; its result is dropped", workload.label)
        return "lost"
    write_line(f"Marking task as {result.state.upper()}." + (f" {result.error}" if result.error else ""))
    if task is not None and result.state in (TI.FAILED.value, TI.UP_FOR_RETRY.value):
        _send_alert(settings, task, workload, claim, result, hostname, path)
    return result.state


def _send_alert(
    settings: Settings, task: Any, workload: Workload, claim: Claim, result: TryResult, hostname: str, log_path: str
) -> None:
    """email_on_failure / email_on_retry: mail the task's addresses; a mail that cannot be sent
    is reported in the log and changes nothing else."""
    from slipstream.runner import email_alerts

    info = email_alerts.TryInfo(
        dag_id=workload.dag_id, task_id=workload.task_id, run_id=workload.run_id, map_index=workload.map_index,
        try_number=workload.try_number, max_tries=claim.max_tries, hostname=hostname, log_path=log_path,
    )
    email_alerts.send_alert(settings, task, info, result.state, result.error)


def _load_and_execute(workload: Workload, claim: Claim, store: TryStore, max_map_length: int) -> tuple[TryResult, Any]:
    """The try's result, and the task it ran (None when the DAG or the task could not be found)."""
    loaded = load_dag_file_cached(workload.fileloc, for_task=(workload.dag_id, workload.task_id))
    dag = next((d for d in loaded.dags if d.dag_id == workload.dag_id), None)
    if dag is None:
        problem = loaded.errors[0].exception if loaded.errors else "the file no longer defines this DAG"
        print(loaded.errors[0].stacktrace if loaded.errors else problem, file=sys.stdout)
        state = failure_state(workload.try_number, claim.max_tries)
        error = f"Could not load DAG {workload.dag_id!r} from {workload.fileloc}: {problem}"
        return TryResult(state.value, error=error), None
    if not dag.has_task(workload.task_id):
        return TryResult(TI.FAILED.value, error=f"Task {workload.task_id!r} is no longer in DAG {workload.dag_id!r}"), None
    result = execute_task(
        dag, workload.task_id, _dag_run_info(claim.dag_run, claim.previous_success), store=store, map_index=workload.map_index,
        try_number=workload.try_number, max_tries=claim.max_tries, max_map_length=max_map_length,
    )
    return result, dag.get_task(workload.task_id)
