"""XComs: small JSON values tasks hand to each other."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.orm import Session

from slipstream.store.models import XComRow
from slipstream.store.upsert import dialect_name, replace_statements
from slipstream.store.values import encode

TABLE = XComRow.__table__


_MATCHES = (
    TABLE.c.dag_id == bindparam("b_dag"),
    TABLE.c.run_id == bindparam("b_run"),
    TABLE.c.task_id == bindparam("b_task"),
    TABLE.c.key == bindparam("b_key"),
)
_DELETE_ONE = delete(TABLE).where(*_MATCHES, TABLE.c.map_index == bindparam("b_map"))
_INSERT = TABLE.insert()
_REPLACE = replace_statements(TABLE, "xcom_key", ["dag_run_id", "value", "timestamp"])
_PULL = select(TABLE.c.value).where(*_MATCHES).order_by(TABLE.c.map_index).limit(1)
_PULL_ONE = select(TABLE.c.value).where(*_MATCHES, TABLE.c.map_index == bindparam("b_map"))
_VERSION = select(TABLE.c.id, TABLE.c.timestamp).where(*_MATCHES).order_by(TABLE.c.map_index).limit(1)
_VALUE_BY_ID = select(TABLE.c.value).where(TABLE.c.id == bindparam("b_id"))


def push(
    session: Session | Connection, *, dag_run_id: int, dag_id: str, run_id: str, task_id: str, map_index: int, key: str,
    value: Any, now: datetime,
) -> None:
    """Store (or replace) one XCom value."""
    row = {
        "dag_run_id": dag_run_id, "dag_id": dag_id, "run_id": run_id, "task_id": task_id,
        "map_index": map_index, "key": key, "value": encode(value), "timestamp": now,
    }
    replace = _REPLACE.get(dialect_name(session))
    if replace is not None:
        session.execute(replace, row)
        return
    session.execute(_DELETE_ONE, {"b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_map": map_index, "b_key": key})
    session.execute(_INSERT, row)


def pull(
    session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, key: str, map_index: int | None = None
) -> Any:
    """The value, or None when the task pushed nothing under that key."""
    params = {"b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_key": key}
    if map_index is None:
        row = session.execute(_PULL, params).first()
    else:
        row = session.execute(_PULL_ONE, {**params, "b_map": map_index}).first()
    return None if row is None else json.loads(row.value)


def version(
    session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, key: str
) -> tuple[int, datetime] | None:
    """What tells apart two values ``pull`` (without a map_index) could return over time: the
    row's id and when it was pushed (a value pushed again has a new timestamp, and on SQLite a
    new row). None if nothing was pushed."""
    params = {"b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_key": key}
    row = session.execute(_VERSION, params).first()
    return None if row is None else (row.id, row.timestamp)


def value_by_id(session: Session | Connection, xcom_id: int) -> Any:
    row = session.execute(_VALUE_BY_ID, {"b_id": xcom_id}).first()
    return None if row is None else json.loads(row.value)


_MAPPED = (*_MATCHES, TABLE.c.map_index >= 0)
_COUNT_MAPPED = select(func.count()).select_from(TABLE).where(*_MAPPED)
_PAGE_MAPPED = (
    select(TABLE.c.value).where(*_MAPPED).order_by(TABLE.c.map_index)
    .limit(bindparam("b_limit")).offset(bindparam("b_offset"))
)


def count_mapped(session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, key: str) -> int:
    """How many instances of a mapped task pushed a value under ``key``."""
    params = {"b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_key": key}
    return session.execute(_COUNT_MAPPED, params).scalar_one()


def page_mapped(
    session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, key: str, offset: int, limit: int
) -> list[Any]:
    """Values of a mapped task's instances in map-index order, ``limit`` of them from ``offset``."""
    params = {"b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_key": key, "b_offset": offset, "b_limit": limit}
    return [json.loads(row.value) for row in session.execute(_PAGE_MAPPED, params)]


def for_run(session: Session, dag_id: str, run_id: str) -> list[Any]:
    query = select(TABLE).where(TABLE.c.dag_id == dag_id, TABLE.c.run_id == run_id).order_by(TABLE.c.id)
    return list(session.execute(query))
