"""'Insert, or replace the row with the same key' as one statement, where the engine has one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session


def replace_statements(table: Table, constraint: str, updated: Iterable[str]) -> dict[str, Any]:
    """By dialect name: SQLite's ``INSERT OR REPLACE``, PostgreSQL's ``ON CONFLICT (constraint)
    DO UPDATE`` of the ``updated`` columns. Other engines: a delete, then an insert."""
    pg = postgresql.insert(table)
    return {
        "sqlite": insert(table).prefix_with("OR REPLACE", dialect="sqlite"),
        "postgresql": pg.on_conflict_do_update(
            constraint=constraint, set_={name: pg.excluded[name] for name in updated}
        ),
    }


def dialect_name(session: Session | Connection) -> str:
    return session.dialect.name if isinstance(session, Connection) else session.get_bind().dialect.name
