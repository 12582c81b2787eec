"""A task instance's own keys (``context["task_state_store"]``), kept across its tries.

Rows are scoped by (dag_run_id, task_id, map_index): the tries of one task instance share them,
other runs and tasks do not see them. A key whose ``expires_at`` has passed reads as absent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from slipstream.store.models import TaskStateRow

TABLE = TaskStateRow.__table__

TaskKey = tuple[str, str, str, int]  # dag_id, run_id, task_id, map_index


def _scope(dag_run_id: int, key: TaskKey) -> Any:
    return and_(TABLE.c.dag_run_id == dag_run_id, TABLE.c.task_id == key[2], TABLE.c.map_index == key[3])


def get(session: Session | Connection, dag_run_id: int, key: TaskKey, name: str, now: datetime) -> tuple[bool, Any]:
    """(found, value) of ``name``."""
    row = session.execute(
        select(TABLE.c.value).where(
            _scope(dag_run_id, key), TABLE.c.key == name, or_(TABLE.c.expires_at.is_(None), TABLE.c.expires_at > now),
        )
    ).first()
    return (False, None) if row is None else (True, row.value)


def set_value(
    session: Session | Connection, dag_run_id: int, key: TaskKey, name: str, value: Any, now: datetime,
    expires_at: datetime | None,
) -> None:
    """Write or overwrite ``name`` (the caller's write transaction makes the two statements one change)."""
    session.execute(delete(TABLE).where(_scope(dag_run_id, key), TABLE.c.key == name))
    session.execute(TABLE.insert(), {
        "dag_run_id": dag_run_id, "dag_id": key[0], "run_id": key[1], "task_id": key[2], "map_index": key[3],
        "key": name, "value": value, "updated_at": now, "expires_at": expires_at,
    })


def delete_key(session: Session | Connection, dag_run_id: int, key: TaskKey, name: str) -> int:
    return session.execute(delete(TABLE).where(_scope(dag_run_id, key), TABLE.c.key == name)).rowcount


def clear(session: Session | Connection, dag_run_id: int, key: TaskKey) -> int:
    return session.execute(delete(TABLE).where(_scope(dag_run_id, key))).rowcount


def _live(now: datetime) -> Any:
    return or_(TABLE.c.expires_at.is_(None), TABLE.c.expires_at > now)


def page(
    session: Session | Connection, dag_run_id: int, task_id: str, map_index: int, now: datetime, limit: int, offset: int
) -> tuple[list[Any], int]:
    """(rows, total) of the unexpired keys of one task instance, by key."""
    where = (TABLE.c.dag_run_id == dag_run_id, TABLE.c.task_id == task_id, TABLE.c.map_index == map_index, _live(now))
    rows = list(session.execute(select(TABLE).where(*where).order_by(TABLE.c.key).limit(limit).offset(offset)))
    total = session.execute(select(func.count()).select_from(TABLE).where(*where)).scalar_one()
    return rows, total


def row(session: Session | Connection, dag_run_id: int, key: TaskKey, name: str, now: datetime) -> Any:
    """The unexpired row of ``name``, or None."""
    return session.execute(select(TABLE).where(_scope(dag_run_id, key), TABLE.c.key == name, _live(now))).first()


def change_value(session: Session | Connection, row_id: int, value: Any, now: datetime) -> None:
    session.execute(update(TABLE).where(TABLE.c.id == row_id).values(value=value, updated_at=now))


def clear_task(session: Session | Connection, dag_run_id: int, task_id: str) -> int:
    """Forget the keys of every instance (map index) of a task in one run."""
    return session.execute(delete(TABLE).where(TABLE.c.dag_run_id == dag_run_id, TABLE.c.task_id == task_id)).rowcount


def expired(session: Session | Connection, now: datetime) -> int:
    """How many keys have expired (they read as absent, but their rows stay until ``delete_expired``)."""
    query = select(func.count()).select_from(TABLE).where(TABLE.c.expires_at.is_not(None), TABLE.c.expires_at <= now)
    return int(session.execute(query).scalar_one())


def delete_expired(session: Session | Connection, now: datetime) -> int:
    return session.execute(
        delete(TABLE).where(TABLE.c.expires_at.is_not(None), TABLE.c.expires_at <= now)
    ).rowcount
