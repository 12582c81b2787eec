"""Connections: how tasks reach other systems; password and extra encrypted at rest."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select

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
