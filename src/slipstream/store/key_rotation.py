"""``rotate-fernet-key``: every encrypted value written again with the first key of ``[core] fernet_key``.

With ``fernet_key = "new,old"`` values written with either key are read; after the rotation all of
them are under ``new`` and ``old`` can be dropped from the setting (Airflow's procedure).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, select, update

from slipstream.store.encryption import Cipher
from slipstream.store.models import ConnectionRow, VariableRow

VARIABLES = VariableRow.__table__
CONNECTIONS = ConnectionRow.__table__


@dataclass(frozen=True)
class Rotated:
    variables: int
    connections: int


def rotate(session: Any, cipher: Cipher) -> Rotated:
    """Re-encrypt every encrypted variable value, connection password and extra with the first key,
    in the caller's transaction: one value that no key can read is an error and nothing changes."""
    variables = [
        {"b_id": row.id, "val": cipher.rotate(row.val, f"variable {row.key!r}")}
        for row in session.execute(
            select(VARIABLES.c.id, VARIABLES.c.key, VARIABLES.c.val).where(
                VARIABLES.c.is_encrypted.is_(True), VARIABLES.c.val.is_not(None)
            )
        )
    ]
    connections = []
    for row in session.execute(
        select(CONNECTIONS).where(CONNECTIONS.c.is_encrypted.is_(True) | CONNECTIONS.c.is_extra_encrypted.is_(True))
    ):
        password, extra = row.password, row.extra
        if row.is_encrypted and password is not None:
            password = cipher.rotate(password, f"the password of connection {row.conn_id!r}")
        if row.is_extra_encrypted and extra is not None:
            extra = cipher.rotate(extra, f"the extra of connection {row.conn_id!r}")
        connections.append({"b_id": row.id, "password": password, "extra": extra})
    if variables:
        session.execute(update(VARIABLES).where(VARIABLES.c.id == bindparam("b_id")), variables)
    if connections:
        session.execute(update(CONNECTIONS).where(CONNECTIONS.c.id == bindparam("b_id")), connections)
    return Rotated(variables=len(variables), connections=len(connections))
