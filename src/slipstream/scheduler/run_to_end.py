"""Run one DAG run from trigger to its end with a scheduler in this process (``dags test``, tests, bench)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slipstream.config import Settings
from slipstream.executors.base import BaseExecutor
from slipstream.scheduler.scheduler import Scheduler, StateListener
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs
from slipstream.store.db import Database
from slipstream.store.models import DagRunRow
from slipstream.store.states import FINISHED_RUN_STATES


class RunTimedOut(TimeoutError):
    """The run did not finish in the time given."""


def run_dag_to_end(
    settings: Settings,
    db: Database,
    dag_id: str,
    *,
    conf: Mapping[str, Any] | None = None,
    run_id: str | None = None,
    logical_date: datetime | None = None,
    executor: BaseExecutor | None = None,
    on_change: StateListener | None = None,
    timeout: float | None = None,
) -> DagRunRow:
    """Trigger ``dag_id`` and schedule until that run is finished; returns the finished run."""
    run = trigger_dag(db, dag_id, conf=conf, run_id=run_id, logical_date=logical_date)
    return schedule_until_finished(
        settings, db, dag_id, run.run_id, executor=executor, on_change=on_change, timeout=timeout
    )


def schedule_until_finished(
    settings: Settings,
    db: Database,
    dag_id: str,
    run_id: str,
    *,
    executor: BaseExecutor | None = None,
    executor_name: str | None = "LocalExecutor",
    on_change: StateListener | None = None,
    timeout: float | None = None,
) -> DagRunRow:
    """Run a scheduler in this process until the run ``run_id`` is finished (or ``timeout``).
    Without ``executor``, one named ``executor_name`` is built: the local one by default, as
    Airflow's ``dags test`` runs its tasks on this machine (None: ``[core] executor``)."""
    own_executor = executor is None
    if executor is None:
        from slipstream.executors.loader import load_executor

        executor = load_executor(settings, name=executor_name)
    stop = threading.Event()
    timer = threading.Timer(timeout, stop.set) if timeout else None

    finished_states = {s.value for s in FINISHED_RUN_STATES}

    def finished() -> bool:
        with db.read() as session:
            state = dag_runs.state_of(session, dag_id, run_id)
        return state in finished_states

    if timer is not None:
        timer.start()
    try:
        Scheduler(settings, db, executor, on_change=on_change, only_run=(dag_id, run_id)).run(stop=stop, until=finished)
    finally:
        if timer is not None:
            timer.cancel()
        if own_executor:
            if stop.is_set():
                executor.terminate()
            executor.end()
    with db.read() as session:
        final = dag_runs.get(session, dag_id, run_id)
    assert final is not None
    if stop.is_set() and final.state not in {s.value for s in FINISHED_RUN_STATES}:
        raise RunTimedOut(f"DAG run {dag_id} {run_id} did not finish within {timeout} s (state {final.state})")
    return final
