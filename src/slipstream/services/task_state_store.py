"""The keys a task instance keeps across its tries (``context["task_state_store"]``, Airflow
3.3), read and changed by a user: list, get, set, change the value, delete, clear."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, NotFound
from slipstream.services.paging import Page
from slipstream.services.task_instances import check_run
from slipstream.store import task_instances, task_state
from slipstream.store.clock import utcnow

# Airflow's ``[state_store] default_retention_days``, as a task's own ``set`` uses (runner/task_state.py).
DEFAULT_RETENTION = timedelta(days=30)
DEFAULT = "default"


@dataclass(frozen=True)
class StateKey:
    key: str
    value: Any
    updated_at: datetime
    expires_at: datetime | None


def _key(row: Any) -> StateKey:
    return StateKey(key=row.key, value=row.value, updated_at=row.updated_at, expires_at=row.expires_at)


def _scope(session: Session, dag_id: str, run_id: str, task_id: str, map_index: int) -> tuple[int, task_state.TaskKey]:
    """The run's id and the task instance's key; NotFound when the task instance does not exist."""
    run = check_run(session, dag_id, run_id)
    if task_instances.find(session, task_instances.TaskInstanceKey(dag_id, run_id, task_id, map_index)) is None:
        raise NotFound(f"Task instance {task_id!r} (map index {map_index}) of DAG run {run_id!r} of DAG {dag_id!r} "
                       "not found")
    return run.id, (dag_id, run_id, task_id, map_index)


def _check_value(value: Any) -> None:
    if value is None:
        raise InvalidRequest("A task state value cannot be null: delete the key instead")
    try:
        json.dumps(value)
    except (TypeError, ValueError) as err:
        raise InvalidRequest(f"A task state value must be JSON: {err}") from None


def list_keys(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, *, map_index: int = -1, limit: int = 50,
    offset: int = 0,
) -> Page[StateKey]:
    with ctx.db.read() as session:
        run_pk, _ = _scope(session, dag_id, run_id, task_id, map_index)
        rows, total = task_state.page(session, run_pk, task_id, map_index, utcnow(), limit, offset)
        return Page([_key(r) for r in rows], total)


def get_key(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, name: str, *, map_index: int = -1) -> StateKey:
    with ctx.db.read() as session:
        run_pk, key = _scope(session, dag_id, run_id, task_id, map_index)
        row = task_state.row(session, run_pk, key, name, utcnow())
    if row is None:
        raise NotFound(f"Task instance {task_id!r} (map index {map_index}) of run {run_id!r} has no state key {name!r}")
    return _key(row)


def set_key(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, name: str, value: Any, *, map_index: int = -1,
    expires_at: datetime | str | None = DEFAULT,
) -> None:
    """Write or overwrite a key; ``expires_at`` ``"default"`` keeps it 30 days, None for ever."""
    _check_value(value)
    now = utcnow()
    if expires_at == DEFAULT:
        expires_at = now + DEFAULT_RETENTION
    elif isinstance(expires_at, str):
        raise InvalidRequest(f"expires_at is a date, null (never) or {DEFAULT!r}, not {expires_at!r}")
    elif expires_at is not None and expires_at.tzinfo is None:
        expires_at = expires_at.replace(tzinfo=UTC)
    with ctx.db.write() as session:
        run_pk, key = _scope(session, dag_id, run_id, task_id, map_index)
        task_state.set_value(session, run_pk, key, name, value, now, expires_at)


def change_key(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, name: str, value: Any, *, map_index: int = -1
) -> StateKey:
    """A new value for an existing key (its expiry unchanged)."""
    _check_value(value)
    with ctx.db.write() as session:
        run_pk, key = _scope(session, dag_id, run_id, task_id, map_index)
        row = task_state.row(session, run_pk, key, name, utcnow())
        if row is None:
            raise NotFound(f"Task instance {task_id!r} (map index {map_index}) of run {run_id!r} has no state key "
                           f"{name!r}: create it with PUT")
        task_state.change_value(session, row.id, value, utcnow())
        return _key(task_state.row(session, run_pk, key, name, utcnow()))


def delete_key(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, name: str, *, map_index: int = -1) -> None:
    """Forget a key (nothing happens when it is not there, as in Airflow)."""
    with ctx.db.write() as session:
        run_pk, key = _scope(session, dag_id, run_id, task_id, map_index)
        task_state.delete_key(session, run_pk, key, name)


def clear_keys(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, *, map_index: int = -1, all_map_indices: bool = False
) -> int:
    """Forget every key of the task instance (of every instance of the task with ``all_map_indices``)."""
    with ctx.db.write() as session:
        if all_map_indices:
            run = check_run(session, dag_id, run_id)
            return task_state.clear_task(session, run.id, task_id)
        run_pk, key = _scope(session, dag_id, run_id, task_id, map_index)
        return task_state.clear(session, run_pk, key)


def clean_expired(ctx: ServiceContext, *, dry_run: bool = False) -> int:
    """Delete the keys whose ``expires_at`` has passed (``dry_run``: count them); how many."""
    now = utcnow()
    if dry_run:
        with ctx.db.read() as session:
            return task_state.expired(session, now)
    with ctx.db.write() as session:
        return task_state.delete_expired(session, now)
