"""What a live view of one DAG run reads (``dags test``): counts for every task, rows for few.

A mapped task with 100,000 instances is shown as one line of counts, so its rows are counted by
the database, never loaded; only tasks with a handful of instances bring their rows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from slipstream.store.models import TaskInstanceRow
from slipstream.store.states import TaskInstanceState as TI

TABLE = TaskInstanceRow.__table__

_COUNTS = (
    select(TABLE.c.task_id, TABLE.c.state, func.count(), func.min(TABLE.c.id))
    .where(TABLE.c.dag_run_id == bindparam("b_run"))
    .group_by(TABLE.c.task_id, TABLE.c.state)
)
_ROWS_OF_TASKS = (
    select(TABLE)
    .where(TABLE.c.dag_run_id == bindparam("b_run"), TABLE.c.task_id.in_(bindparam("b_tasks", expanding=True)))
    .order_by(TABLE.c.id)
)
_FAILED_WITH_REASON = (
    select(TABLE)
    .where(
        TABLE.c.dag_run_id == bindparam("b_run"),
        TABLE.c.state.in_([TI.FAILED.value, TI.UPSTREAM_FAILED.value]),
        TABLE.c.state_reason.is_not(None),
    )
    .order_by(TABLE.c.id)
)


@dataclass
class RunProgress:
    counts: dict[str, Counter[str]] = field(default_factory=dict)  # task_id -> state -> instances
    rows: list[Any] = field(default_factory=list)  # every instance of the tasks listed one by one


def progress(session: Session, dag_run_id: int, max_listed: int) -> RunProgress:
    """Counts by task and state (tasks in the order their instances were made); the rows of
    tasks with at most ``max_listed`` instances."""
    result = RunProgress()
    first_id: dict[str, int] = {}
    for task_id, state, count, min_id in session.execute(_COUNTS, {"b_run": dag_run_id}):
        result.counts.setdefault(task_id, Counter())[state] = count
        first_id[task_id] = min(min_id, first_id.get(task_id, min_id))
    result.counts = dict(sorted(result.counts.items(), key=lambda item: first_id[item[0]]))
    listed = [task_id for task_id, counts in result.counts.items() if counts.total() <= max_listed]
    if listed:
        result.rows = list(session.execute(_ROWS_OF_TASKS, {"b_run": dag_run_id, "b_tasks": listed}))
    return result


def failed_with_reason(session: Session, dag_run_id: int) -> list[Any]:
    """The run's failed and upstream_failed instances that say why."""
    return list(session.execute(_FAILED_WITH_REASON, {"b_run": dag_run_id}))


_OPEN_OR_ENDED = (
    select(TABLE.c.task_id, TABLE.c.map_index, TABLE.c.try_number, TABLE.c.state)
    .where(
        TABLE.c.dag_run_id == bindparam("b_run"),
        TABLE.c.try_number > 0,
        (TABLE.c.state.in_([TI.QUEUED.value, TI.RUNNING.value, TI.UP_FOR_RESCHEDULE.value]))
        | (TABLE.c.end_date >= bindparam("b_since")),
    )
    .order_by(TABLE.c.id)
)


def tries_writing_or_ended(session: Session, dag_run_id: int, since: datetime) -> list[Any]:
    """(task_id, map_index, try_number, state) of the run's instances whose try may be writing
    its log, or ended at or after ``since``: what a reader following the run's logs reads next."""
    return list(session.execute(_OPEN_OR_ENDED, {"b_run": dag_run_id, "b_since": since}))
