"""Where each try's log file is."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from slipstream.store.models import TaskLogRow
from slipstream.store.upsert import dialect_name

# A sensor's rescheduled try is claimed again under the same number and writes on in the same
# log: its row is there already, and stays.
# (SQLite's ON CONFLICT form cannot be cached by SQLAlchemy and would be compiled every try.)
_INSERT = {
    "sqlite": insert(TaskLogRow.__table__).prefix_with("OR IGNORE", dialect="sqlite"),
    "postgresql": postgresql.insert(TaskLogRow.__table__).on_conflict_do_nothing(),
}


def record(
    session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int,
    path: str, hostname: str, now: datetime,
) -> None:
    session.execute(
        _INSERT.get(dialect_name(session), insert(TaskLogRow.__table__)),
        {
            "dag_id": dag_id, "run_id": run_id, "task_id": task_id, "map_index": map_index,
            "try_number": try_number, "path": path, "hostname": hostname, "created_at": now,
        },
    )


def for_task(session: Session, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> list[TaskLogRow]:
    query = (
        select(TaskLogRow)
        .where(
            TaskLogRow.dag_id == dag_id, TaskLogRow.run_id == run_id, TaskLogRow.task_id == task_id,
            TaskLogRow.map_index == map_index,
        )
        .order_by(TaskLogRow.try_number)
    )
    return list(session.scalars(query))
