"""Testing a connection (``POST /connections/test``): Slipstream's own hook of the connection's
type connects from this process, as Airflow does when ``[core] test_connection`` is Enabled.

The hook finds the connection under a throw-away id through a secrets provider that knows only
it; tests run one at a time because that provider is process-wide."""

from __future__ import annotations

import secrets as random
import threading
from typing import Any

from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest
from slipstream.services.secrets import merge_redacted, secrets_session
from slipstream.store import connections as connection_store

# conn_type -> Slipstream's hook that can test it.
TESTABLE = {
    "sqlite": "slipstream.hooks.sqlite.SqliteHook",
    "postgres": "slipstream.hooks.postgres.PostgresHook",
    "http": "slipstream.hooks.http.HttpHook",
}
_ONE_AT_A_TIME = threading.Lock()


def testing_enabled(ctx: ServiceContext) -> bool:
    return ctx.settings.test_connection.strip().lower() == "enabled"


class _OneConnection:
    """A secrets provider that knows one connection and nothing else."""

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def get_connection(self, *, conn_id: str) -> dict[str, Any] | None:
        return self.fields if conn_id == self.fields["conn_id"] else None

    def get_variable(self, *, key: str) -> str | None:
        return None

    def set_variable(self, *, key: str, value: str, description: str | None) -> None:
        raise InvalidRequest("A connection test cannot set variables")

    def delete_variable(self, *, key: str) -> int:
        return 0


def _blank(value: Any) -> Any:
    return None if value in ("", None) else value


def _to_test(ctx: ServiceContext, fields: dict[str, Any]) -> dict[str, Any]:
    """The connection to test: the fields given, over the stored connection of that id when there
    is one (so a ``***`` password means the stored one), unless they point somewhere else."""
    with secrets_session(ctx) as (session, cipher):
        stored = connection_store.get(session, fields["conn_id"], cipher)
    if stored is None:
        return dict(fields)
    moved = any(key in fields and _blank(fields[key]) != _blank(getattr(stored, key)) for key in ("host", "port"))
    if moved:
        if fields.get("password") in (None, "", "***"):
            raise InvalidRequest("The host or port to test differs from the stored connection's: send the password "
                                 "to test with in the body")
        return dict(fields)
    merged = stored.as_dict()
    for key, value in fields.items():
        merged[key] = merge_redacted(ctx, value, merged.get(key), key)
    return merged


def test_connection(ctx: ServiceContext, fields: dict[str, Any]) -> tuple[bool, str]:
    """(whether it worked, what happened); a type Slipstream cannot test answers False with why."""
    from slipstream.sdk.module_loading import import_string
    from slipstream.sdk.secrets import secrets_provider

    connection = _to_test(ctx, fields)
    conn_type = connection.get("conn_type") or ""
    if conn_type not in TESTABLE:
        return False, (f"Slipstream cannot test connections of type {conn_type!r}: it tests "
                       f"{', '.join(sorted(TESTABLE))} (with its own hooks)")
    hook_class = import_string(TESTABLE[conn_type])
    connection["conn_id"] = f"slipstream_test_{random.token_hex(8)}"
    with _ONE_AT_A_TIME, secrets_provider(_OneConnection(connection)):
        try:
            return hook_class(**{hook_class.conn_name_attr: connection["conn_id"]}).test_connection()
        except Exception as err:  # noqa: BLE001 - a broken connection is an answer, not a server error
            return False, f"{type(err).__name__}: {err}"
