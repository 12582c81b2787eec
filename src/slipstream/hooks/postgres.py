"""``PostgresHook``: SQL on PostgreSQL through psycopg 3.

From the connection: host, port, login, password and the database in its schema (``database=``
overrides it). Extras are passed to ``psycopg.connect`` as connection parameters (``sslmode``,
``connect_timeout``, ``application_name``, ``options``...), except ``cursor``, which picks the
row type: ``dictcursor``/``realdictcursor`` (dicts) or ``namedtuplecursor``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slipstream.hooks.sql import DbApiHook
from slipstream.sdk.exceptions import AirflowException

# Extras that mean something to Airflow's hook but are not libpq parameters.
_NOT_LIBPQ = {"cursor", "iam", "redshift", "redshift-serverless", "aws_conn_id", "cluster-identifier",
              "workgroup-name", "sqlalchemy_scheme", "sqlalchemy_query", "azure_conn_id", "log_sql"}
_CURSORS = {"dictcursor": "dict_row", "realdictcursor": "dict_row", "namedtuplecursor": "namedtuple_row"}


class PostgresHook(DbApiHook):
    conn_name_attr = "postgres_conn_id"
    default_conn_name = "postgres_default"
    conn_type = "postgres"
    hook_name = "Postgres"
    placeholder = "%s"
    supports_autocommit = True

    def __init__(self, *args: Any, options: str | None = None, **kwargs: Any) -> None:
        self.database: str | None = kwargs.pop("database", None)
        super().__init__(*args, **kwargs)
        self.options = options

    def connect_kwargs(self) -> dict[str, Any]:
        """The libpq parameters of this connection."""
        connection = self.connection
        params: dict[str, Any] = {
            "host": connection.host, "port": connection.port, "user": connection.login,
            "password": connection.password, "dbname": self.database or self.schema or connection.schema,
        }
        if self.options:
            params["options"] = self.options
        params.update({k: v for k, v in connection.extra_dejson.items() if k not in _NOT_LIBPQ})
        return {k: v for k, v in params.items() if v is not None and v != ""}

    def _row_factory(self) -> Any:
        import psycopg.rows

        name = str(self.connection.extra_dejson.get("cursor", "")).lower()
        if not name:
            return None
        if name not in _CURSORS:
            raise AirflowException(
                f"Connection {self.get_conn_id()!r} asks for cursor {name!r}; "
                f"use one of {', '.join(sorted(_CURSORS))} or leave it out"
            )
        return getattr(psycopg.rows, _CURSORS[name])

    def get_conn(self) -> Any:
        import psycopg

        factory = self._row_factory()
        extra = {"row_factory": factory} if factory is not None else {}
        return psycopg.connect(**self.connect_kwargs(), **extra)

    def get_uri(self) -> str:
        uri = self.connection.get_uri().replace("postgres://", "postgresql://", 1)
        database = self.database or self.schema
        if database:
            base, _, query = uri.partition("?")
            base = base.rsplit("/", 1)[0] if self.connection.schema else base.rstrip("/")
            uri = f"{base}/{database}" + (f"?{query}" if query else "")
        return uri

    def _insert_sql(self, table: str, fields: Sequence[str] | None, width: int, replace: bool, **kwargs: Any) -> str:
        sql = super()._insert_sql(table, fields, width, False)
        if not replace:
            return sql
        index = kwargs.get("replace_index")
        if not fields or not index:
            raise ValueError("PostgreSQL insert_rows(replace=True) needs target_fields and replace_index")
        keys = [index] if isinstance(index, str) else list(index)
        updates = ", ".join(f"{f} = excluded.{f}" for f in fields if f not in keys)
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        return f"{sql} ON CONFLICT ({', '.join(keys)}) {action}"
