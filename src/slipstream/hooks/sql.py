"""``DbApiHook``: what SQL hooks share over a PEP 249 (DB-API 2) driver.

Subclasses give ``get_conn()`` and the connection id attribute; this module gives queries
(``get_records``, ``get_first``, ``run``), ``insert_rows`` and ``get_pandas_df``, as Airflow's
common SQL provider documents them. ``get_db_hook`` picks the hook class from a connection's
``conn_type`` (``sqlite``, ``postgres``).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import closing
from typing import Any

from slipstream.hooks.base import BaseHook
from slipstream.sdk.exceptions import AirflowException

# conn_type -> (module, class) of the hook that speaks to it, imported on first use.
SQL_HOOKS: dict[str, tuple[str, str]] = {
    "sqlite": ("slipstream.hooks.sqlite", "SqliteHook"),
    "postgres": ("slipstream.hooks.postgres", "PostgresHook"),
}


def fetch_all_handler(cursor: Any) -> list[Any] | None:
    """All rows of the statement just run; None when it returns no rows (DDL, INSERT...)."""
    return cursor.fetchall() if cursor.description is not None else None


def fetch_one_handler(cursor: Any) -> Any:
    """The first row of the statement just run; None when it returns no rows."""
    return cursor.fetchone() if cursor.description is not None else None


def return_single_query_results(sql: str | Iterable[str], return_last: bool, split_statements: bool) -> bool:
    """Whether ``run`` returns one statement's result rather than a list of them."""
    return isinstance(sql, str) and (return_last or not split_statements)


def split_sql_string(sql: str) -> list[str]:
    """Split a script into its statements on ``;``, outside quotes, comments and ``$tag$`` bodies."""
    statements: list[str] = []
    current: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        end = i + 1
        if char in ("'", '"'):
            end = sql.find(char, i + 1)
            while end != -1 and end + 1 < n and sql[end + 1] == char:  # doubled quote inside the string
                end = sql.find(char, end + 2)
            end = n if end == -1 else end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end == -1 else end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end == -1 else end + 2
        elif char == "$":
            close = sql.find("$", i + 1)
            tag = sql[i : close + 1] if close != -1 else ""
            if tag and (tag == "$$" or tag[1:-1].replace("_", "a").isalnum()):
                body_end = sql.find(tag, close + 1)
                end = n if body_end == -1 else body_end + len(tag)
        elif char == ";":
            statements.append("".join(current))
            current = []
            i += 1
            continue
        current.append(sql[i:end])
        i = end
    statements.append("".join(current))
    return [s.strip() for s in statements if _has_code(s)]


def _has_code(statement: str) -> bool:
    lines = [line.split("--", 1)[0] for line in statement.splitlines()]
    return bool("".join(lines).replace("/*", "").replace("*/", "").strip())


class DbApiHook(BaseHook):
    """A hook over a DB-API driver; subclasses implement ``get_conn``.

    The connection id comes from the keyword named by ``conn_name_attr`` (``sqlite_conn_id``,
    ``postgres_conn_id``), else the first positional argument, else ``default_conn_name``."""

    placeholder: str = "%s"
    supports_autocommit: bool = False

    def __init__(self, *args: Any, schema: str | None = None, log_sql: bool = True, **kwargs: Any) -> None:
        super().__init__()
        if not self.conn_name_attr:
            raise AirflowException(f"{type(self).__name__} must set conn_name_attr")
        if self.conn_name_attr in kwargs:
            conn_id = kwargs.pop(self.conn_name_attr)
        elif args:
            conn_id = args[0]
        else:
            conn_id = self.default_conn_name
        setattr(self, self.conn_name_attr, conn_id)
        self.schema = schema
        self.log_sql = log_sql
        self.descriptions: list[Sequence[Sequence[Any]] | None] = []
        self._connection: Any = None

    def get_conn_id(self) -> str:
        return getattr(self, self.conn_name_attr)

    @property
    def connection(self) -> Any:
        if self._connection is None:
            self._connection = self.get_connection(self.get_conn_id())
        return self._connection

    def get_conn(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_conn()")

    def get_uri(self) -> str:
        return self.connection.get_uri()

    def get_autocommit(self, conn: Any) -> bool:
        return bool(getattr(conn, "autocommit", False)) and self.supports_autocommit

    def set_autocommit(self, conn: Any, autocommit: bool) -> None:
        if autocommit and not self.supports_autocommit:
            self.log.warning("%s does not support autocommit; the statements are committed at the end", self.get_conn_id())
        conn.autocommit = autocommit

    def get_records(self, sql: str | list[str], parameters: Iterable[Any] | Mapping[str, Any] | None = None) -> Any:
        """Every row of the query (of the last one, for a list of statements)."""
        return self.run(sql=sql, parameters=parameters, handler=fetch_all_handler)

    def test_connection(self) -> tuple[bool, str]:
        """Whether the database answers ``SELECT 1``, and what went wrong if not (as Airflow's)."""
        try:
            self.get_first("SELECT 1")
        except Exception as err:  # noqa: BLE001 - reported to the caller as text
            return False, str(err)
        return True, "Connection successfully tested"

    def get_first(self, sql: str | list[str], parameters: Iterable[Any] | Mapping[str, Any] | None = None) -> Any:
        """The first row of the query, or None."""
        return self.run(sql=sql, parameters=parameters, handler=fetch_one_handler)

    def run(
        self,
        sql: str | Iterable[str],
        autocommit: bool = False,
        parameters: Iterable[Any] | Mapping[str, Any] | None = None,
        handler: Callable[[Any], Any] | None = None,
        split_statements: bool = False,
        return_last: bool = True,
    ) -> Any:
        """Run one statement or several in one connection, then commit (unless ``autocommit``).

        With a ``handler`` the result of each statement is ``handler(cursor)``; a single string
        (with ``return_last``, or not split) returns its last result, a list returns them all.
        """
        single = return_single_query_results(sql, return_last, split_statements)
        if isinstance(sql, str):
            statements = split_sql_string(sql) if split_statements else [sql]
        else:
            statements = list(sql)
        if not statements:
            raise ValueError("No SQL statement to run: the list of statements is empty")
        results: list[Any] = []
        self.descriptions = []
        with closing(self.get_conn()) as conn:
            if self.supports_autocommit:
                self.set_autocommit(conn, autocommit)
            with closing(conn.cursor()) as cursor:
                for statement in statements:
                    self._run_command(cursor, statement, parameters)
                    if handler is not None:
                        results.append(handler(cursor))
                        self.descriptions.append(cursor.description)
            if not self.get_autocommit(conn):
                conn.commit()
        if handler is None:
            return None
        return results[-1] if single else results

    def _run_command(self, cursor: Any, statement: str, parameters: Any) -> None:
        if self.log_sql:
            self.log.info("Running statement: %s, parameters: %s", statement, parameters)
        if parameters:
            cursor.execute(statement, parameters)
        else:
            cursor.execute(statement)
        if cursor.rowcount >= 0:
            self.log.info("Rows affected: %s", cursor.rowcount)

    def _insert_sql(self, table: str, fields: Sequence[str] | None, width: int, replace: bool, **kwargs: Any) -> str:
        columns = f" ({', '.join(fields)})" if fields else ""
        values = ", ".join([self.placeholder] * width)
        verb = "REPLACE INTO" if replace else "INSERT INTO"
        return f"{verb} {table}{columns} VALUES ({values})"

    def insert_rows(
        self,
        table: str,
        rows: Iterable[Sequence[Any]],
        target_fields: Sequence[str] | None = None,
        commit_every: int = 1000,
        replace: bool = False,
        **kwargs: Any,
    ) -> int:
        """Insert ``rows`` into ``table``, committing every ``commit_every`` rows (0: once at the end)."""
        if isinstance(target_fields, str):
            target_fields = [target_fields]
        count = 0
        with closing(self.get_conn()) as conn:
            if self.supports_autocommit:
                self.set_autocommit(conn, False)
            with closing(conn.cursor()) as cursor:
                for count, row in enumerate(rows, 1):
                    values = tuple(row)
                    cursor.execute(self._insert_sql(table, target_fields, len(values), replace, **kwargs), values)
                    if commit_every and count % commit_every == 0:
                        conn.commit()
                        self.log.info("Loaded %s rows into %s so far", count, table)
            conn.commit()
        self.log.info("Done loading. Loaded a total of %s rows into %s", count, table)
        return count

    def get_pandas_df(self, sql: str, parameters: Iterable[Any] | Mapping[str, Any] | None = None, **kwargs: Any) -> Any:
        """The query's rows as a pandas DataFrame (needs pandas)."""
        try:
            import pandas
        except ImportError:
            raise AirflowException(
                "get_pandas_df needs pandas, which is not installed in Slipstream's environment: "
                "install it (pip install pandas) or use get_records"
            ) from None
        with closing(self.get_conn()) as conn, closing(conn.cursor()) as cursor:
            self._run_command(cursor, sql, parameters)
            columns = [d[0] for d in cursor.description or ()]
            return pandas.DataFrame.from_records(cursor.fetchall(), columns=columns, **kwargs)


def get_db_hook(conn_id: str, hook_params: Mapping[str, Any] | None = None) -> DbApiHook:
    """The SQL hook for ``conn_id``, chosen from the connection's conn_type."""
    connection = BaseHook.get_connection(conn_id)
    found = SQL_HOOKS.get(connection.conn_type or "")
    if found is None:
        raise AirflowException(
            f"Connection {conn_id!r} has conn_type {connection.conn_type!r}, which has no SQL hook in Slipstream; "
            f"supported types: {', '.join(sorted(SQL_HOOKS))}"
        )
    module, name = found
    hook_class = getattr(importlib.import_module(module), name)
    hook = hook_class(**{hook_class.conn_name_attr: conn_id}, **dict(hook_params or {}))
    hook._connection = connection
    return hook
