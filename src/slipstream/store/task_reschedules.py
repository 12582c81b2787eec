"""The pokes of sensors in reschedule mode that ended their try early, one row each.

A sensor's timeout counts from its first poke, so a poke that comes back after a reschedule
reads here when the first one started. Clearing a task instance forgets its reschedules.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import bindparam, case, delete, func, insert, select, tuple_
from sqlalchemy.orm import Session

from slipstream.store.models import TaskRescheduleRow
from slipstream.store.task_reschedules_summary import Reschedules

TABLE = TaskRescheduleRow.__table__

_INSERT = insert(TABLE)
CHUNK = 500


def record(
    session: Session, *, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int,
    start_date: datetime, end_date: datetime, reschedule_date: datetime,
) -> None:
    """One poke of try ``try_number`` that ran from ``start_date`` to ``end_date`` and asked to run
    again at ``reschedule_date``."""
    session.execute(
        _INSERT,
        {
            "dag_id": dag_id, "run_id": run_id, "task_id": task_id, "map_index": map_index,
            "try_number": try_number, "start_date": start_date, "end_date": end_date,
            "duration": (end_date - start_date).total_seconds(), "reschedule_date": reschedule_date,
        },
    )


_SUMMARY = select(
    func.min(TABLE.c.start_date),
    func.count(case((TABLE.c.try_number == bindparam("b_try"), TABLE.c.id))),
).where(
    TABLE.c.dag_id == bindparam("b_dag"),
    TABLE.c.run_id == bindparam("b_run"),
    TABLE.c.task_id == bindparam("b_task"),
    TABLE.c.map_index == bindparam("b_map"),
    TABLE.c.try_number >= bindparam("b_first"),
)


def summary(
    session: Session, *, dag_id: str, run_id: str, task_id: str, map_index: int, first_try_number: int,
    try_number: int,
) -> Reschedules:
    params = {
        "b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_map": map_index, "b_first": first_try_number,
        "b_try": try_number,
    }
    first_start, count = session.execute(_SUMMARY, params).one()
    return Reschedules(first_start=first_start, count=int(count or 0))


def forget(session: Session, keys: Iterable[tuple[str, str, str, int]]) -> int:
    """Delete the reschedules of these task instances (dag_id, run_id, task_id, map_index)."""
    by_run: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for dag_id, run_id, task_id, map_index in keys:
        by_run[(dag_id, run_id)].append((task_id, map_index))
    deleted = 0
    for (dag_id, run_id), instances in by_run.items():
        for start in range(0, len(instances), CHUNK):
            statement = delete(TABLE).where(
                TABLE.c.dag_id == dag_id,
                TABLE.c.run_id == run_id,
                tuple_(TABLE.c.task_id, TABLE.c.map_index).in_(instances[start : start + CHUNK]),
            )
            deleted += session.execute(statement).rowcount
    return deleted


def for_task_instance(session: Session, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[TaskRescheduleRow]:
    """Every recorded reschedule of one task instance, oldest first."""
    query = (
        select(TaskRescheduleRow)
        .where(
            TaskRescheduleRow.dag_id == dag_id, TaskRescheduleRow.run_id == run_id,
            TaskRescheduleRow.task_id == task_id, TaskRescheduleRow.map_index == map_index,
        )
        .order_by(TaskRescheduleRow.id)
    )
    return list(session.scalars(query))
