"""Variables: named values for DAGs, their values encrypted at rest (see ``store/encryption.py``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete as sql_delete
from sqlalchemy import insert, select, update

from slipstream.store import patterns, query_pages
from slipstream.store.encryption import Cipher
from slipstream.store.models import VariableRow

TABLE = VariableRow.__table__


@dataclass(frozen=True)
class StoredVariable:
    key: str
    value: str | None
    description: str | None
    is_encrypted: bool


def _decoded(row: Any, cipher: Cipher) -> StoredVariable:
    value = row.val
    if row.is_encrypted and value is not None:
        value = cipher.decrypt(value, f"variable {row.key!r}")
    return StoredVariable(key=row.key, value=value, description=row.description, is_encrypted=row.is_encrypted)


def get(session: Any, key: str, cipher: Cipher) -> StoredVariable | None:
    row = session.execute(select(TABLE).where(TABLE.c.key == key)).first()
    return None if row is None else _decoded(row, cipher)


def get_value(session: Any, key: str, cipher: Cipher) -> str | None:
    """The decrypted value, or None when there is no such variable."""
    variable = get(session, key, cipher)
    return None if variable is None else variable.value


def set_value(session: Any, key: str, value: str, cipher: Cipher, *, description: str | None = None) -> None:
    """Create or replace a variable; an existing description is kept unless one is given."""
    if not key:
        raise ValueError("A variable needs a non-empty key")
    values: dict[str, Any] = {"val": cipher.encrypt(value), "is_encrypted": True}
    if description is not None:
        values["description"] = description
    changed = session.execute(update(TABLE).where(TABLE.c.key == key).values(**values)).rowcount
    if not changed:
        session.execute(insert(TABLE).values({"key": key, "description": description, **values}))


def delete(session: Any, key: str) -> int:
    """Remove a variable; returns how many rows went (0 or 1)."""
    return session.execute(sql_delete(TABLE).where(TABLE.c.key == key)).rowcount


def list_all(session: Any, cipher: Cipher, *, decrypt: bool = True) -> list[StoredVariable]:
    """Every variable by key; with ``decrypt=False`` values are left out (listings need no key)."""
    rows = session.execute(select(TABLE).order_by(TABLE.c.key)).all()
    if decrypt:
        return [_decoded(row, cipher) for row in rows]
    return [StoredVariable(r.key, None, r.description, r.is_encrypted) for r in rows]


SORTABLE = {"key": TABLE.c.key, "id": TABLE.c.id, "_val": TABLE.c.val, "description": TABLE.c.description,
            "is_encrypted": TABLE.c.is_encrypted}


def query(session: Any, cipher: Cipher, *, pattern: str | None, prefix: str | None, order_by: list[str],
          limit: int | None, offset: int) -> tuple[list[StoredVariable], int]:
    """A page of variables (decrypted) filtered by key (``query_pages`` semantics) and the total."""
    statement = select(TABLE)
    if pattern is not None:
        statement = statement.where(patterns.substring_match(TABLE.c.key, pattern))
    if prefix is not None:
        statement = statement.where(patterns.prefix_match(TABLE.c.key, prefix))
    statement = query_pages.order_by(statement, order_by, SORTABLE, TABLE.c.id)
    rows, total = query_pages.page(session, statement, limit, offset)
    return [_decoded(row, cipher) for row in rows], total


def keys_present(session: Any, keys: set[str]) -> set[str]:
    return set(session.execute(select(TABLE.c.key).where(TABLE.c.key.in_(sorted(keys)))).scalars())


def update_description(session: Any, key: str, description: str | None) -> int:
    return session.execute(update(TABLE).where(TABLE.c.key == key).values(description=description)).rowcount
