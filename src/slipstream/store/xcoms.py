"""XComs: small JSON values tasks hand to each other."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRunRow, XComRow
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
_PULL_ALL = select(TABLE.c.value).where(*_MATCHES).order_by(TABLE.c.map_index)
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


def _run_date(run: Any) -> Any:
    """When a run counts as happening, for ``include_prior_dates``: its logical date, or when it was queued."""
    return func.coalesce(run.c.logical_date, run.c.queued_at)


def _prior_runs_query(columns: list[Any], dag_id: str, run_id: str, task_id: str, key: str) -> Any:
    """XComs of ``task_id`` in ``dag_id``'s runs up to and including ``run_id`` (by logical date)."""
    run = DagRunRow.__table__
    this_run = select(_run_date(run)).where(run.c.dag_id == dag_id, run.c.run_id == run_id).scalar_subquery()
    return (
        select(*columns)
        .join(run, run.c.id == TABLE.c.dag_run_id)
        .where(TABLE.c.dag_id == dag_id, TABLE.c.task_id == task_id, TABLE.c.key == key, _run_date(run) <= this_run)
    )


def pull_one(
    session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, key: str, map_index: int,
    include_prior_dates: bool = False,
) -> Any:
    """The value of one task instance; with ``include_prior_dates``, the latest such value of
    this run or an earlier one. None when there is none."""
    if not include_prior_dates:
        return pull(session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=key, map_index=map_index)
    run = DagRunRow.__table__
    query = (
        _prior_runs_query([TABLE.c.value], dag_id, run_id, task_id, key)
        .where(TABLE.c.map_index == map_index)
        .order_by(_run_date(run).desc(), TABLE.c.timestamp.desc())
        .limit(1)
    )
    row = session.execute(query).first()
    return None if row is None else json.loads(row.value)


def pull_all(
    session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, key: str,
    include_prior_dates: bool = False,
) -> list[Any]:
    """Every value of the task under ``key`` (each map index), in map-index order; with
    ``include_prior_dates``, of this run and the earlier ones (oldest first within a map index)."""
    if include_prior_dates:
        run = DagRunRow.__table__
        query = _prior_runs_query([TABLE.c.value], dag_id, run_id, task_id, key).order_by(
            TABLE.c.map_index, _run_date(run), TABLE.c.timestamp
        )
        return [json.loads(row.value) for row in session.execute(query)]
    params = {"b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_key": key}
    return [json.loads(row.value) for row in session.execute(_PULL_ALL, params)]
