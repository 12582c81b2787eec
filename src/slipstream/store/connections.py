"""Connections: how tasks reach other systems; password and extra encrypted at rest."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select
from sqlalchemy import update as sql_update

from slipstream.store import patterns, query_pages
from slipstream.store.encryption import Cipher
from slipstream.store.models import ConnectionRow

TABLE = ConnectionRow.__table__
FIELDS = ("conn_id", "conn_type", "description", "host", "schema", "login", "password", "port", "extra")


class ConnectionExists(ValueError):
    """``add`` of a conn_id that is already in the store."""


@dataclass(frozen=True)
class StoredConnection:
    conn_id: str
    conn_type: str
    description: str | None = None
    host: str | None = None
    schema: str | None = None
    login: str | None = None
    password: str | None = None
    port: int | None = None
    extra: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Plain data (what crosses a process boundary and what the sdk's Connection takes)."""
        return asdict(self)


def _decoded(row: Any, cipher: Cipher) -> StoredConnection:
    password, extra = row.password, row.extra
    if row.is_encrypted and password is not None:
        password = cipher.decrypt(password, f"the password of connection {row.conn_id!r}")
    if row.is_extra_encrypted and extra is not None:
        extra = cipher.decrypt(extra, f"the extra of connection {row.conn_id!r}")
    return StoredConnection(
        conn_id=row.conn_id, conn_type=row.conn_type, description=row.description, host=row.host, schema=row.schema,
        login=row.login, password=password, port=row.port, extra=extra,
    )


def get(session: Any, conn_id: str, cipher: Cipher) -> StoredConnection | None:
    row = session.execute(select(TABLE).where(TABLE.c.conn_id == conn_id)).first()
    return None if row is None else _decoded(row, cipher)


def exists(session: Any, conn_id: str) -> bool:
    return session.execute(select(TABLE.c.id).where(TABLE.c.conn_id == conn_id)).first() is not None


def add(session: Any, connection: StoredConnection, cipher: Cipher) -> None:
    """Insert a connection; one with the same conn_id must not exist (``ConnectionExists``)."""
    if not connection.conn_id:
        raise ValueError("A connection needs a non-empty conn_id")
    if not connection.conn_type:
        raise ValueError(f"Connection {connection.conn_id!r} needs a conn_type")
    if exists(session, connection.conn_id):
        raise ConnectionExists(f"A connection with conn_id {connection.conn_id!r} already exists")
    values = connection.as_dict()
    values["is_encrypted"] = connection.password is not None
    values["is_extra_encrypted"] = connection.extra is not None
    if connection.password is not None:
        values["password"] = cipher.encrypt(connection.password)
    if connection.extra is not None:
        values["extra"] = cipher.encrypt(connection.extra)
    session.execute(insert(TABLE).values(**values))


def delete(session: Any, conn_id: str) -> int:
    """Remove a connection; returns how many rows went (0 or 1)."""
    return session.execute(sql_delete(TABLE).where(TABLE.c.conn_id == conn_id)).rowcount


def list_all(session: Any, cipher: Cipher) -> list[StoredConnection]:
    return [_decoded(row, cipher) for row in session.execute(select(TABLE).order_by(TABLE.c.conn_id)).all()]


def update(session: Any, conn_id: str, changes: dict[str, Any], cipher: Cipher) -> int:
    """Change some fields of a connection (password and extra encrypted again); rows changed."""
    values = {k: v for k, v in changes.items() if k in FIELDS and k != "conn_id"}
    if "password" in values:
        values["is_encrypted"] = values["password"] is not None
        if values["password"] is not None:
            values["password"] = cipher.encrypt(values["password"])
    if "extra" in values:
        values["is_extra_encrypted"] = values["extra"] is not None
        if values["extra"] is not None:
            values["extra"] = cipher.encrypt(values["extra"])
    if not values:
        return int(exists(session, conn_id))
    return session.execute(sql_update(TABLE).where(TABLE.c.conn_id == conn_id).values(**values)).rowcount


def ids_present(session: Any, conn_ids: set[str]) -> set[str]:
    return set(session.execute(select(TABLE.c.conn_id).where(TABLE.c.conn_id.in_(sorted(conn_ids)))).scalars())


SORTABLE = {"conn_id": TABLE.c.conn_id, "connection_id": TABLE.c.conn_id, "conn_type": TABLE.c.conn_type,
            "description": TABLE.c.description, "host": TABLE.c.host, "port": TABLE.c.port, "id": TABLE.c.id}


def query(session: Any, cipher: Cipher, *, pattern: str | None, prefix: str | None, order_by: list[str],
          limit: int | None, offset: int) -> tuple[list[StoredConnection], int]:
    """A page of connections (decrypted) filtered by conn_id (``query_pages`` semantics) and the total."""
    statement = select(TABLE)
    if pattern is not None:
        statement = statement.where(patterns.substring_match(TABLE.c.conn_id, pattern))
    if prefix is not None:
        statement = statement.where(patterns.prefix_match(TABLE.c.conn_id, prefix))
    statement = query_pages.order_by(statement, order_by, SORTABLE, TABLE.c.id)
    rows, total = query_pages.page(session, statement, limit, offset)
    return [_decoded(row, cipher) for row in rows], total
