"""Creating scheduled runs: once per scheduler pass, for every DAG whose next run is due.

The ``dag`` table says which DAGs are due (``next_dagrun_create_after <= now``, an indexed
query); for each, the next run is computed again from its timetable and its last scheduled run
in ``dag_run``, so a stale ``next_dagrun`` (the scheduler was down, catchup is off, the DAG file
changed) never creates a wrong run. With catchup, the missed runs are created in order, but no
more than ``max_active_runs`` queued and running at once: the rest wait for later passes. A
unique index on (dag_id, logical_date) of automated runs, and a check before each insert, keep
a run from ever being created twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Protocol

from slipstream.config import Settings
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.scheduler.triggering import task_specs
from slipstream.store import dag_runs, dags, next_runs, row_locks
from slipstream.store.db import Database
from slipstream.store.states import DagRunType
from slipstream.timetables import DagRunInfo, DagSchedule
from slipstream.timetables.partitions import CronPartitionTimetable

log = logging.getLogger("slipstream.scheduler")


class _PassResult(Protocol):
    changed: int
    next_wake: datetime | None


def scheduled_run_id(logical_date: datetime) -> str:
    return f"scheduled__{logical_date.isoformat()}"


def create_scheduled_runs(settings: Settings, db: Database, now: datetime, result: _PassResult) -> list[Any]:
    """Create the due runs (state queued) and set ``result.next_wake`` to the next due time.

    Returns the new run rows. A DAG at its max_active_runs stays due; a finished run wakes the
    scheduler, and the next pass creates the following run.
    """
    if not settings.use_job_schedule:
        return []
    with db.read() as session:
        due = next_runs.due_dag_ids(session, now)
        if not due:
            _wake_at(result, next_runs.next_create_after(session, now))
            return []
    created: list[Any] = []
    with db.write() as session:
        for dag_id in sorted(row_locks.lock_dags(session, due)):  # another scheduler creates the others' runs
            created.extend(_create_for_dag(session, settings, dag_id, now))
        _wake_at(result, next_runs.next_create_after(session, now))
    result.changed += len(created)
    return created


def _wake_at(result: _PassResult, when: datetime | None) -> None:
    if when is not None and (result.next_wake is None or when < result.next_wake):
        result.next_wake = when


def _create_for_dag(session: Any, settings: Settings, dag_id: str, now: datetime) -> list[Any]:
    row = dags.get_serialized(session, dag_id)
    if row is None:
        next_runs.set_next(session, dag_id, None)
        return []
    dag = SerializedDag(row.data, row.dag_hash)
    schedule = DagSchedule.from_serialized(row.data, catchup_by_default=settings.catchup_by_default)
    limit = dag.max_active_runs or settings.max_active_runs_per_dag
    if schedule.timetable.active_runs_limit is not None:  # @continuous: one at a time
        limit = min(limit, schedule.timetable.active_runs_limit)
    active = next_runs.count_active_runs(session, dag_id)
    info = schedule.next_info(next_runs.last_run_interval(session, dag_id, schedule), _asked_at(session, schedule, dag_id, now))
    created: list[Any] = []
    while info is not None and info.run_after <= now and active < limit:
        if schedule.timetable.partitioned:
            run = _create_partition_run(session, dag, schedule.timetable, info.run_after, now)  # type: ignore[arg-type]
            if run is not None:
                created.append(run)
                active += 1
        elif not next_runs.automated_run_exists(session, dag_id, info.logical_date):
            created.append(_create_run(session, dag, info, now))
            active += 1
        info = schedule.next_info(info.data_interval, now)
    next_runs.set_next(session, dag_id, info)
    return created


def _asked_at(session: Any, schedule: DagSchedule, dag_id: str, now: datetime) -> datetime:
    """When to ask the timetable for the first run of this pass: ``now``, except for timetables
    whose next run depends on when they are asked (events, delta triggers without catchup),
    which are asked as of the moment the planned run became due, so that a pass that comes a
    little after it does not skip it (or, for a delta, shift it)."""
    if schedule.catchup or not schedule.timetable.plans_from_now:
        return now
    planned = next_runs.planned_create_after(session, dag_id)
    return planned if planned is not None and planned <= now else now


def _create_partition_run(
    session: Any, dag: SerializedDag, timetable: CronPartitionTimetable, tick: datetime, now: datetime
) -> Any:
    """The run of one tick of a CronPartitionTimetable: no logical date nor data interval, the
    partition's key and date; None when that tick's run exists already."""
    partition_date = timetable.partition_date(tick)
    run_id = timetable.run_id(tick)
    if dag_runs.get(session, dag.dag_id, run_id) is not None:
        return None
    run = dag_runs.create(
        session, dag_id=dag.dag_id, run_id=run_id, run_type=DagRunType.SCHEDULED, tasks=task_specs(dag), now=now,
        dag_hash=dag.dag_hash, partition_key=timetable.partition_key(partition_date), partition_date=partition_date,
    )
    log.info("DAG run %s %s created for the partition %s", dag.dag_id, run.run_id, run.partition_key)
    return run


def _create_run(session: Any, dag: SerializedDag, info: DagRunInfo, now: datetime) -> Any:
    run = dag_runs.create(
        session,
        dag_id=dag.dag_id,
        run_id=scheduled_run_id(info.logical_date),
        run_type=DagRunType.SCHEDULED,
        tasks=task_specs(dag, info.logical_date),
        now=now,
        logical_date=info.logical_date,
        data_interval=info.data_interval,
        dag_hash=dag.dag_hash,
        deadline_alerts=dag.deadline_alerts,
    )
    log.info(
        "DAG run %s %s created for the interval %s - %s",
        dag.dag_id, run.run_id, info.data_interval_start.isoformat(), info.data_interval_end.isoformat(),
    )
    return run
