"""The next scheduled run of each DAG (``dag.next_dagrun*``) and the queries run creation needs.

The ``dag`` row keeps the next run's data interval and when it may be created, so finding the
DAGs that are due is one indexed query. The truth about which runs exist stays in ``dag_run``:
the next run is always computed from the last scheduled (or backfill) run there.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from slipstream.store.models import DagRow, DagRunRow
from slipstream.store.states import DagRunState, DagRunType
from slipstream.timetables import DagRunInfo, DagSchedule, DataInterval

AUTOMATED = (str(DagRunType.SCHEDULED), str(DagRunType.BACKFILL))
ACTIVE = (str(DagRunState.QUEUED), str(DagRunState.RUNNING))


def last_automated_interval(session: Session, dag_id: str) -> DataInterval | None:
    """The data interval of the scheduled or backfill run with the latest logical date."""
    query = (
        select(DagRunRow.data_interval_start, DagRunRow.data_interval_end, DagRunRow.logical_date)
        .where(DagRunRow.dag_id == dag_id, DagRunRow.run_type.in_(AUTOMATED), DagRunRow.logical_date.is_not(None))
        .order_by(DagRunRow.logical_date.desc())
        .limit(1)
    )
    row = session.execute(query).first()
    if row is None:
        return None
    start, end, logical_date = row
    return DataInterval(start or logical_date, end or start or logical_date)


def last_partition_tick(session: Session, dag_id: str, tick_of: Any) -> DataInterval | None:
    """For a CronPartitionTimetable: the tick of the scheduled run with the latest partition date
    (``tick_of`` undoes the run offset), as the exact interval the timetable continues from."""
    query = (
        select(func.max(DagRunRow.partition_date))
        .where(DagRunRow.dag_id == dag_id, DagRunRow.run_type.in_(AUTOMATED), DagRunRow.partition_key.is_not(None))
    )
    latest = session.execute(query).scalar()
    return None if latest is None else DataInterval.exact(tick_of(latest))


def last_run_interval(session: Session, dag_id: str, schedule: DagSchedule) -> DataInterval | None:
    """Where the DAG's schedule continues from: its last automated run."""
    if schedule.timetable.partitioned:
        return last_partition_tick(session, dag_id, schedule.timetable.tick_of)  # type: ignore[attr-defined]
    return last_automated_interval(session, dag_id)


def automated_run_exists(session: Session, dag_id: str, logical_date: datetime) -> bool:
    query = select(DagRunRow.id).where(
        DagRunRow.dag_id == dag_id, DagRunRow.logical_date == logical_date, DagRunRow.run_type != str(DagRunType.MANUAL)
    )
    return session.execute(query.limit(1)).first() is not None


def count_active_runs(session: Session, dag_id: str) -> int:
    """Queued and running runs of the DAG that count towards max_active_runs (backfills have their own)."""
    query = select(func.count(DagRunRow.id)).where(
        DagRunRow.dag_id == dag_id, DagRunRow.state.in_(ACTIVE), DagRunRow.run_type != str(DagRunType.BACKFILL)
    )
    return int(session.execute(query).scalar_one())


def set_next(session: Session, dag_id: str, info: DagRunInfo | None) -> None:
    """Record the next run (None: there is none, e.g. manual only, @once done, past end_date)."""
    values: dict[str, Any] = {
        "next_dagrun": None if info is None else info.logical_date,
        "next_dagrun_data_interval_start": None if info is None else info.data_interval_start,
        "next_dagrun_data_interval_end": None if info is None else info.data_interval_end,
        "next_dagrun_create_after": None if info is None else info.run_after,
    }
    session.execute(update(DagRow).where(DagRow.dag_id == dag_id).values(**values))


def refresh_next(
    session: Session, dag_id: str, data: Mapping[str, Any], now: datetime, catchup_by_default: bool
) -> DagRunInfo | None:
    """Compute the next run of a DAG from its serialized form and its last automated run, and record it."""
    schedule = DagSchedule.from_serialized(data, catchup_by_default=catchup_by_default)
    info = schedule.next_info(last_run_interval(session, dag_id, schedule), now)
    set_next(session, dag_id, info)
    return info


def planned_create_after(session: Session, dag_id: str) -> datetime | None:
    """When the DAG's next run, as last recorded, may be created."""
    query = select(DagRow.next_dagrun_create_after).where(DagRow.dag_id == dag_id)
    return session.execute(query).scalar_one_or_none()


def _schedulable() -> Any:
    return (DagRow.is_active.is_(True), DagRow.is_paused.is_(False), DagRow.next_dagrun_create_after.is_not(None))


def due_dag_ids(session: Session, now: datetime) -> list[str]:
    """Active, unpaused DAGs whose next run may be created now, the longest waiting first."""
    query = (
        select(DagRow.dag_id)
        .where(*_schedulable(), DagRow.next_dagrun_create_after <= now)
        .order_by(DagRow.next_dagrun_create_after, DagRow.dag_id)
    )
    return list(session.scalars(query))


def next_create_after(session: Session, now: datetime) -> datetime | None:
    """When the next run of any active, unpaused DAG becomes due (after ``now``)."""
    query = select(func.min(DagRow.next_dagrun_create_after)).where(
        *_schedulable(), DagRow.next_dagrun_create_after > now
    )
    return session.execute(query).scalar_one_or_none()


def next_runs(session: Session, dag_ids: Iterable[str]) -> dict[str, datetime | None]:
    query = select(DagRow.dag_id, DagRow.next_dagrun).where(DagRow.dag_id.in_(list(dag_ids)))
    return dict(session.execute(query).tuples().all())
