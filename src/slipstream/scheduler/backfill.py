"""Backfill: run a DAG for every data interval of its timetable in a range of logical dates.

``plan_backfill`` reads the store and says, for every interval whose logical date falls in
[start, end] (inclusive, as Airflow does), what the backfill does with it: create a run
(``run_type`` backfill, ``run_id`` ``backfill__<logical date>``), reset an existing one
(``--reset-dagruns``), rerun the failed tasks of an existing one (``--rerun-failed-tasks``), or
leave an existing run alone. A logical date never gets a second scheduled or backfill run (the
unique index of migration 0002, and a check before each insert). ``apply_backfill`` writes the
plan; ``run_backfill`` schedules the runs in this process (a ``Scheduler`` limited to them,
like ``dags test``) with at most ``max_active_runs`` of them running at once, and stops with
``BackfillDeadlock`` when the runs left can never finish (scheduler/backfill_deadlock.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from slipstream.config import Settings
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.executors.base import BaseExecutor
from slipstream.scheduler.backfill_deadlock import Deadlock, DeadlockWatch
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import load_serialized, task_specs
from slipstream.sdk.ids import validate_run_id
from slipstream.store import clearing, dag_runs, task_instances
from slipstream.store.db import Database
from slipstream.store.states import FINISHED_RUN_STATES, DagRunType
from slipstream.store.states import TaskInstanceState as TI
from slipstream.timetables import DagRunInfo, DagSchedule

log = logging.getLogger("slipstream.scheduler")

FINISHED = {s.value for s in FINISHED_RUN_STATES}
FAILED_TIS = (TI.FAILED.value, TI.UPSTREAM_FAILED.value)

CREATE = "create"
RESET = "reset"
RERUN_FAILED = "rerun failed tasks"
WAIT = "already running"  # an existing unfinished run: the backfill sees it to its end
EXISTS = "exists, left alone"


class BackfillError(ValueError):
    """The backfill cannot be planned (bad range, a DAG without a schedule, ...)."""


class BackfillDeadlock(RuntimeError):
    """The backfill's runs left can never finish; ``states`` has those that did."""

    def __init__(self, deadlock: Deadlock, states: dict[str, str]) -> None:
        super().__init__(deadlock.report())
        self.deadlock = deadlock
        self.states = states


def backfill_run_id(logical_date: datetime) -> str:
    return f"backfill__{logical_date.isoformat()}"


@dataclass(frozen=True)
class PlannedRun:
    logical_date: datetime
    data_interval_start: datetime
    data_interval_end: datetime
    run_id: str
    action: str
    state: str | None = None  # of the existing run

    @property
    def runs(self) -> bool:
        """The backfill runs (or waits for) this run."""
        return self.action != EXISTS


@dataclass
class BackfillPlan:
    dag_id: str
    runs: list[PlannedRun]
    max_active_runs: int
    dag: SerializedDag = field(repr=False)

    @property
    def to_run(self) -> list[PlannedRun]:
        return [r for r in self.runs if r.runs]


def intervals(schedule: DagSchedule, start: datetime, end: datetime) -> list[DagRunInfo]:
    """The timetable's intervals whose logical date is in [start, end], oldest first."""
    if not schedule.timetable.periodic:
        first = schedule.next_info(None, end)
        if first is None or not start <= first.logical_date <= end:
            return []
        return [first]
    earliest = start if schedule.start_date is None else max(start, schedule.start_date)
    latest = end if schedule.end_date is None else min(end, schedule.end_date)
    found: list[DagRunInfo] = []
    info = schedule.timetable.next_dagrun_info(None, earliest=earliest, latest=latest, catchup=True, now=end)
    while info is not None and info.logical_date <= latest:
        found.append(info)
        info = schedule.timetable.next_dagrun_info(
            info.data_interval, earliest=earliest, latest=latest, catchup=True, now=end
        )
    return found


def plan_backfill(
    settings: Settings,
    db: Database,
    dag_id: str,
    start: datetime,
    end: datetime,
    *,
    reset_dagruns: bool = False,
    rerun_failed_tasks: bool = False,
    run_backwards: bool = False,
    max_active_runs: int | None = None,
) -> BackfillPlan:
    """What a backfill of ``dag_id`` over [start, end] would do; reads only."""
    if start > end:
        raise BackfillError(f"--start-date {start.isoformat()} is after --end-date {end.isoformat()}")
    if max_active_runs is not None and max_active_runs < 1:
        raise BackfillError(f"--max-active-runs must be at least 1, got {max_active_runs}")
    dag = load_serialized(db, dag_id)
    depending = [t.task_id for t in dag.tasks.values() if t.data.get("depends_on_past") or t.data.get("wait_for_downstream")]
    if run_backwards and depending:
        raise BackfillError(f"Cannot backfill backwards: task(s) {', '.join(depending)} depend on the past")
    schedule = DagSchedule.from_serialized(dag.data, catchup_by_default=settings.catchup_by_default)
    if schedule.timetable.summary == "None" and not schedule.timetable.periodic:
        raise BackfillError(f"DAG {dag_id!r} has no schedule (schedule=None): it has no data intervals to backfill")
    if schedule.timetable.partitioned or schedule.timetable.partitioned_at_runtime:
        raise BackfillError(
            f"DAG {dag_id!r} has a partitioned schedule ({schedule.timetable.summary}): backfilling partitions is not "
            "supported by Slipstream yet; trigger the runs of the partitions you need instead"
        )
    infos = intervals(schedule, start, end)
    with db.read() as session:
        existing = {r.logical_date: r for r in dag_runs.automated_between(session, dag_id, start, end)}
        failed_runs = {
            run.id
            for run in existing.values()
            if any(ti.state in FAILED_TIS for ti in task_instances.for_run(session, dag_id, run.run_id))
        }
    planned: list[PlannedRun] = []
    for info in infos:
        run = existing.get(info.logical_date)
        if run is None:
            action, run_id, state = CREATE, backfill_run_id(info.logical_date), None
            try:
                validate_run_id(run_id, run_type=DagRunType.BACKFILL)  # made of a date: Airflow's default rule
            except ValueError as err:
                raise BackfillError(f"Cannot create the backfill run of {info.logical_date.isoformat()}: {err}") from None
        else:
            run_id, state = run.run_id, run.state
            if reset_dagruns:
                action = RESET
            elif rerun_failed_tasks and run.id in failed_runs:
                action = RERUN_FAILED
            elif state not in FINISHED:
                action = WAIT
            else:
                action = EXISTS
        planned.append(
            PlannedRun(info.logical_date, info.data_interval_start, info.data_interval_end, run_id, action, state)
        )
    if run_backwards:
        planned.reverse()
    limit = max_active_runs or dag.max_active_runs or settings.max_active_runs_per_dag
    return BackfillPlan(dag_id, planned, limit, dag)


def apply_backfill(db: Database, plan: BackfillPlan, now: datetime, conf: dict[str, Any] | None = None) -> BackfillPlan:
    """Create the new runs (queued, in the plan's order, with ``conf``) and clear the ones to run again.

    Returns the plan as applied: a run that appeared since planning is left alone."""
    dag = plan.dag
    retries = {t.task_id: t.retries for t in dag.tasks.values()}
    applied: list[PlannedRun] = []
    with db.write() as session:
        for item in plan.runs:
            if item.action == CREATE:
                if dag_runs.automated_between(session, plan.dag_id, item.logical_date, item.logical_date):
                    applied.append(replace(item, action=EXISTS))
                    continue
                dag_runs.create(
                    session,
                    dag_id=plan.dag_id,
                    run_id=item.run_id,
                    run_type=DagRunType.BACKFILL,
                    tasks=task_specs(dag),
                    now=now,
                    conf=conf,
                    logical_date=item.logical_date,
                    data_interval=(item.data_interval_start, item.data_interval_end),
                    dag_hash=dag.dag_hash,
                    deadline_alerts=dag.deadline_alerts,
                )
            elif item.action in (RESET, RERUN_FAILED):
                rows = [
                    ti for ti in task_instances.for_run(session, plan.dag_id, item.run_id)
                    if ti.state != TI.NONE.value and (item.action == RESET or ti.state in FAILED_TIS)
                ]
                clearing.clear(session, rows, retries)
            applied.append(item)
    for item in applied:
        if item.runs:
            log.info("Backfill of %s: %s %s", plan.dag_id, item.run_id, item.action)
    return replace(plan, runs=applied)


def run_backfill(
    settings: Settings,
    db: Database,
    plan: BackfillPlan,
    *,
    executor: BaseExecutor | None = None,
    on_finished: Callable[[Any], None] | None = None,
    stop: threading.Event | None = None,
    ignore_depends_on_past: bool = False,
) -> dict[str, str]:
    """Schedule the plan's runs in this process until every one is finished.

    ``ignore_depends_on_past`` (``-I``): the runs' tasks do not wait for the previous run's.

    ``on_finished(run_row)`` is called once per run as it finishes. Returns the final state
    of each run by run_id; raises ``BackfillDeadlock`` (saying which runs wait on what) when the
    runs left can never finish, e.g. a depends_on_past task whose previous run failed."""
    keys = [(plan.dag_id, item.run_id) for item in plan.to_run]
    states: dict[str, str] = {}
    if not keys:
        return states
    own_executor = executor is None
    if executor is None:
        from slipstream.executors.loader import load_executor

        executor = load_executor(settings)
    stop = stop or threading.Event()
    watch = DeadlockWatch(db, plan.dag, keys, plan.max_active_runs)
    deadlocks: list[Deadlock] = []

    def finished() -> bool:
        with db.read() as session:
            rows = [dag_runs.get(session, dag_id, run_id) for dag_id, run_id in keys]
        for row in rows:
            if row is not None and row.state in FINISHED and row.run_id not in states:
                states[row.run_id] = row.state
                if on_finished is not None:
                    on_finished(row)
        if len(states) == len(keys):
            return True
        deadlock = watch.check(rows, busy=executor.running > 0)
        if deadlock is not None:
            deadlocks.append(deadlock)
        return deadlock is not None

    if not finished():
        try:
            Scheduler(
                settings, db, executor, only_runs=keys, run_limit=plan.max_active_runs,
                ignore_depends_on_past=ignore_depends_on_past,
            ).run(
                stop=stop, until=finished
            )
        finally:
            if own_executor:
                if stop.is_set():
                    executor.terminate()
                executor.end()
    if deadlocks:
        log.error("%s", deadlocks[0].report())
        raise BackfillDeadlock(deadlocks[0], states)
    return states


def backfill(
    settings: Settings,
    db: Database,
    dag_id: str,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    executor: BaseExecutor | None = None,
    on_finished: Callable[[Any], None] | None = None,
    ignore_depends_on_past: bool = False,
    **options: Any,
) -> dict[str, str]:
    """Plan, apply and run a backfill (the whole ``dags backfill`` without its questions)."""
    plan = apply_backfill(db, plan_backfill(settings, db, dag_id, start, end, **options), now)
    return run_backfill(
        settings, db, plan, executor=executor, on_finished=on_finished, ignore_depends_on_past=ignore_depends_on_past
    )
