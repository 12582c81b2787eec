"""DAG runs: creating a run with its task instances, and run state changes (compare-and-set)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from slipstream.store import deadlines, task_instances
from slipstream.store.models import DagRunRow, TaskInstanceRow
from slipstream.store.states import DagRunState, DagRunType
from slipstream.store.states import TaskInstanceState as TI

RUNS = DagRunRow.__table__


class DagRunExists(ValueError):
    """A run with this run_id already exists for the DAG."""


@dataclass(frozen=True)
class TaskSpec:
    """What a new task instance row needs to know of its task."""

    task_id: str
    operator: str
    max_tries: int
    pool: str
    pool_slots: int
    queue: str
    priority_weight: int


def create(
    session: Session,
    *,
    dag_id: str,
    run_id: str,
    run_type: str,
    tasks: Sequence[TaskSpec],
    now: datetime,
    logical_date: datetime | None = None,
    data_interval: tuple[datetime, datetime] | None = None,
    conf: dict[str, Any] | None = None,
    dag_hash: str | None = None,
    state: str = DagRunState.QUEUED,
    deadline_alerts: Sequence[Mapping[str, Any]] = (),
    partition_key: str | None = None,
    partition_date: datetime | None = None,
    note: str | None = None,
) -> DagRunRow:
    """Insert a DAG run and one task instance (state none) per task, and the run's deadlines
    (from the serialized DAG's ``deadline`` alerts, see store/deadlines.py)."""
    existing = session.execute(select(RUNS.c.id).where(RUNS.c.dag_id == dag_id, RUNS.c.run_id == run_id)).first()
    if existing is not None:
        raise DagRunExists(f"A run with run_id {run_id!r} already exists for DAG {dag_id!r}")
    run = DagRunRow(
        dag_id=dag_id,
        run_id=run_id,
        run_type=str(run_type),
        state=str(state),
        logical_date=logical_date,
        data_interval_start=data_interval[0] if data_interval else None,
        data_interval_end=data_interval[1] if data_interval else None,
        queued_at=now,
        conf=conf or {},
        dag_hash=dag_hash,
        partition_key=partition_key,
        partition_date=partition_date,
        note=note,
    )
    session.add(run)
    session.flush()
    if deadline_alerts:
        deadlines.add_for_run(session, run, deadline_alerts, now)
    if tasks:
        session.execute(
            insert(TaskInstanceRow.__table__),
            [
                {
                    "dag_run_id": run.id, "dag_id": dag_id, "run_id": run_id, "task_id": t.task_id,
                    "map_index": -1, "state": TI.NONE.value, "try_number": 0, "max_tries": t.max_tries,
                    "operator": t.operator, "pool": t.pool, "pool_slots": t.pool_slots, "queue": t.queue,
                    "priority_weight": t.priority_weight,
                }
                for t in tasks
            ],
        )
    return run


def set_state(session: Session, dag_run_id: int, expected: str | Iterable[str], new: str, **values: Any) -> bool:
    states = [str(expected)] if isinstance(expected, (str, DagRunState)) else [str(s) for s in expected]
    statement = update(RUNS).where(RUNS.c.id == dag_run_id, RUNS.c.state.in_(states)).values(state=str(new), **values)
    return session.execute(statement).rowcount == 1


def get(session: Session, dag_id: str, run_id: str) -> DagRunRow | None:
    return session.scalars(select(DagRunRow).where(DagRunRow.dag_id == dag_id, DagRunRow.run_id == run_id)).first()


_ROW_BY_ID = select(RUNS).where(RUNS.c.id == bindparam("b_id"))


def row_by_id(session: Session, dag_run_id: int) -> Any:
    """The run as a light row (no ORM object), for hot paths."""
    return session.execute(_ROW_BY_ID, {"b_id": dag_run_id}).first()


_STATE_OF = select(RUNS.c.state).where(RUNS.c.dag_id == bindparam("b_dag"), RUNS.c.run_id == bindparam("b_run"))
_IN_STATES = select(RUNS).where(RUNS.c.state.in_(bindparam("b_states", expanding=True))).order_by(RUNS.c.id)


def state_of(session: Session, dag_id: str, run_id: str) -> str | None:
    """The run's state, or None if there is no such run (one light query, for loops that wait)."""
    return session.execute(_STATE_OF, {"b_dag": dag_id, "b_run": run_id}).scalar()


def in_states(session: Session, states: Iterable[str]) -> list[Any]:
    """The runs in these states, oldest first, as light rows (no ORM objects: the scheduler reads
    them every pass)."""
    return list(session.execute(_IN_STATES, {"b_states": [str(s) for s in states]}))


_EXISTS_IN_STATE = select(RUNS.c.id).where(RUNS.c.state == bindparam("b_state")).limit(1)


def exist_in_state(session: Session, state: str) -> bool:
    return session.execute(_EXISTS_IN_STATE, {"b_state": str(state)}).first() is not None


def list_runs(
    session: Session, dag_id: str | None = None, state: str | None = None, limit: int | None = None
) -> list[DagRunRow]:
    query = select(DagRunRow).order_by(DagRunRow.id.desc())
    if dag_id is not None:
        query = query.where(DagRunRow.dag_id == dag_id)
    if state is not None:
        query = query.where(DagRunRow.state == state)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def automated_between(session: Session, dag_id: str, start: datetime, end: datetime) -> list[DagRunRow]:
    """The scheduled and backfill runs of the DAG whose logical date is in [start, end], oldest first."""
    query = (
        select(DagRunRow)
        .where(
            DagRunRow.dag_id == dag_id,
            DagRunRow.run_type != str(DagRunType.MANUAL),
            DagRunRow.logical_date >= start,
            DagRunRow.logical_date <= end,
        )
        .order_by(DagRunRow.logical_date)
    )
    return list(session.scalars(query))


def previous(session: Session, dag_id: str, logical_date: datetime | None, dag_run_id: int) -> Any:
    """The run of the DAG just before this one (any run type), by logical date then id, as a light
    row (id, run_id, state), or None (the first run, or a run without a logical date)."""
    if logical_date is None:
        return None
    statement = (
        select(RUNS.c.id, RUNS.c.run_id, RUNS.c.state)
        .where(
            RUNS.c.dag_id == dag_id,
            or_(RUNS.c.logical_date < logical_date, and_(RUNS.c.logical_date == logical_date, RUNS.c.id < dag_run_id)),
        )
        .order_by(RUNS.c.logical_date.desc(), RUNS.c.id.desc())
        .limit(1)
    )
    return session.execute(statement).first()


def mark(session: Session, dag_run_id: int, expected: str, new: str, now: datetime) -> int | None:
    """A user marks a run ``new`` (success or failed), compare-and-set on the state it was read
    in; its unfinished task instances are marked ``new`` too (running tries then stop: their
    result is refused). Returns how many task instances were marked, or None if the run moved."""
    if str(new) not in (DagRunState.SUCCESS.value, DagRunState.FAILED.value):
        raise ValueError(f"a DAG run can be marked success or failed, not {new!r}")
    run = session.get(DagRunRow, dag_run_id)
    start_date = run.start_date if run is not None and run.start_date is not None else now
    if not set_state(session, dag_run_id, expected, new, start_date=start_date, end_date=now):
        return None
    return task_instances.mark_unfinished_of_run(session, dag_run_id, new, now)


def set_note(session: Session, dag_run_id: int, note: str | None) -> None:
    session.execute(update(RUNS).where(RUNS.c.id == dag_run_id).values(note=note))


def requeue(session: Session, dag_run_id: int, expected: str, now: datetime) -> bool:
    """A user sets a run back to ``queued`` (compare-and-set): the scheduler starts it again and
    decides its state from its task instances, which are left as they are (as in Airflow)."""
    return set_state(session, dag_run_id, expected, DagRunState.QUEUED, queued_at=now, start_date=None, end_date=None)
