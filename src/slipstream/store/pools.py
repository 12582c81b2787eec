"""Pools: named slot limits shared by the task instances that name them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from slipstream.store import patterns, query_pages
from slipstream.store.models import PoolRow, TaskInstanceRow
from slipstream.store.states import ACTIVE_TI_STATES

DEFAULT_POOL = "default_pool"
TIS = TaskInstanceRow.__table__


class PoolError(ValueError):
    """A pool change that is not allowed (bad slots, deleting default_pool)."""


def list_pools(session: Session) -> list[PoolRow]:
    return list(session.scalars(select(PoolRow).order_by(PoolRow.pool)))


def get_pool(session: Session, name: str) -> PoolRow | None:
    return session.scalars(select(PoolRow).where(PoolRow.pool == name)).first()


def set_pool(session: Session, name: str, slots: int, description: str | None = None) -> PoolRow:
    """Create the pool or change its slots and description."""
    _check(name, slots)
    row = get_pool(session, name)
    if row is None:
        row = PoolRow(pool=name, slots=slots, description=description, include_deferred=False)
        session.add(row)
    else:
        row.slots = slots
        if description is not None:
            row.description = description
    session.flush()
    return row


def create_pool(session: Session, name: str, slots: int, description: str | None, include_deferred: bool) -> PoolRow:
    """A new pool; the caller checked that the name is free."""
    _check(name, slots)
    row = PoolRow(pool=name, slots=slots, description=description, include_deferred=include_deferred)
    session.add(row)
    session.flush()
    return row


def update_pool(session: Session, name: str, changes: dict[str, Any]) -> PoolRow | None:
    """Change some of ``pool`` (the name), ``slots``, ``description``, ``include_deferred``."""
    row = get_pool(session, name)
    if row is None:
        return None
    _check(changes.get("pool", row.pool), changes.get("slots", row.slots))
    for field, value in changes.items():
        setattr(row, field, value)
    session.flush()
    return row


def _check(name: str, slots: int) -> None:
    if not name or not name.strip():
        raise PoolError("A pool needs a name")
    if slots < 0:
        raise PoolError(f"Pool {name!r}: slots must be 0 or more (-1, unlimited, is not supported), got {slots}")


def delete_pool(session: Session, name: str) -> bool:
    if name == DEFAULT_POOL:
        raise PoolError("default_pool cannot be deleted (set its slots instead)")
    return session.execute(delete(PoolRow).where(PoolRow.pool == name)).rowcount == 1


def occupied_slots(session: Session) -> dict[str, int]:
    """Slots held per pool by queued and running task instances."""
    statement = (
        select(TIS.c.pool, func.sum(TIS.c.pool_slots))
        .where(TIS.c.state.in_([s.value for s in ACTIVE_TI_STATES]))
        .group_by(TIS.c.pool)
    )
    return {row[0]: int(row[1] or 0) for row in session.execute(statement)}


def slots(session: Session) -> dict[str, int]:
    return {row[0]: row[1] for row in session.execute(select(PoolRow.pool, PoolRow.slots))}


def usage(session: Session) -> list[dict[str, Any]]:
    """Each pool with its slots, what is held (queued + running) and what is open."""
    held = occupied_slots(session)
    return [
        {
            "pool": p.pool, "slots": p.slots, "description": p.description, "occupied": held.get(p.pool, 0),
            "open": p.slots - held.get(p.pool, 0),
        }
        for p in list_pools(session)
    ]


def slots_by_state(session: Session, names: list[str]) -> dict[str, dict[str, int]]:
    """Slots held per pool and task-instance state (scheduled, queued, running...), for ``names``."""
    if not names:
        return {}
    statement = (
        select(TIS.c.pool, TIS.c.state, func.sum(TIS.c.pool_slots))
        .where(TIS.c.pool.in_(names), TIS.c.state.in_(["scheduled", "queued", "running", "deferred"]))
        .group_by(TIS.c.pool, TIS.c.state)
    )
    held: dict[str, dict[str, int]] = {}
    for pool, state, total in session.execute(statement):
        held.setdefault(pool, {})[state] = int(total or 0)
    return held


def pools_named(session: Session, names: set[str]) -> dict[str, PoolRow]:
    return {row.pool: row for row in session.scalars(select(PoolRow).where(PoolRow.pool.in_(sorted(names))))}


SORTABLE = {"id": PoolRow.id, "pool": PoolRow.pool, "name": PoolRow.pool}


def query(session: Session, *, pattern: str | None, prefix: str | None, order_by: list[str], limit: int | None,
          offset: int) -> tuple[list[PoolRow], int]:
    """A page of pools filtered by name (``query_pages`` semantics) and the total."""
    statement = select(PoolRow)
    if pattern is not None:
        statement = statement.where(patterns.substring_match(PoolRow.pool, pattern))
    if prefix is not None:
        statement = statement.where(patterns.prefix_match(PoolRow.pool, prefix))
    statement = query_pages.order_by(statement, order_by, SORTABLE, PoolRow.id)
    rows, total = query_pages.page(session, statement, limit, offset)
    return [row[0] for row in rows], total
