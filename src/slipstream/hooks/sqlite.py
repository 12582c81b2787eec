"""``SqliteHook``: SQL on a SQLite file through the standard library's ``sqlite3``.

The connection's host is the database file (``sqlite:///path`` URIs put it in the schema, which
is read too); a host starting with ``file:`` is opened as an SQLite URI.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from slipstream.hooks.sql import DbApiHook
from slipstream.sdk.exceptions import AirflowException


class SqliteHook(DbApiHook):
    conn_name_attr = "sqlite_conn_id"
    default_conn_name = "sqlite_default"
    conn_type = "sqlite"
    hook_name = "Sqlite"
    placeholder = "?"
    supports_autocommit = True

    def database_path(self) -> str:
        connection = self.connection
        path = connection.host or connection.schema
        if not path:
            raise AirflowException(
                f"Connection {self.get_conn_id()!r} names no SQLite file: set its host to the database path "
                "(e.g. AIRFLOW_CONN_MY_DB='sqlite://%2Ftmp%2Fmy.db' or --conn-host /tmp/my.db)"
            )
        return path

    def get_conn(self) -> sqlite3.Connection:
        path = self.database_path()
        return sqlite3.connect(path, uri=path.startswith("file:"))

    def get_autocommit(self, conn: Any) -> bool:
        return conn.isolation_level is None

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        conn.isolation_level = None if autocommit else ""

    def get_uri(self) -> str:
        return f"sqlite:///{self.database_path()}"
