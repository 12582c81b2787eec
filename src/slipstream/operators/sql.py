"""``SQLExecuteQueryOperator`` and the older ``PostgresOperator`` and ``SqliteOperator``.

The hook comes from the connection's conn_type (``slipstream.hooks.sql.get_db_hook``). What the
handler returns (by default every row) is the task's XCom, made JSON: rows become lists (dict
rows stay dicts), dates and times ISO text, decimals numbers, bytes hex text.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from slipstream.hooks.sql import DbApiHook, fetch_all_handler, get_db_hook, return_single_query_results
from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.exceptions import AirflowException


def to_json_value(value: Any) -> Any:
    """A query result (rows, a row, a value) as JSON-ready data for XCom."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(k): to_json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_json_value(v) for v in value]
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value).hex()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Iterable):
        return [to_json_value(v) for v in value]
    return str(value)


class SQLExecuteQueryOperator(BaseOperator):
    """Run SQL (a string, a list of statements, or a ``.sql`` file) on the database of ``conn_id``."""

    template_fields: Sequence[str] = ("sql", "parameters", "conn_id", "database", "hook_params")
    template_ext: Sequence[str] = (".sql", ".json")
    template_fields_renderers = {"sql": "sql", "parameters": "json"}
    ui_color = "#cdaaed"

    def __init__(
        self,
        *,
        sql: str | list[str],
        conn_id: str | None = None,
        autocommit: bool = False,
        parameters: Mapping[str, Any] | Iterable[Any] | None = None,
        handler: Callable[[Any], Any] = fetch_all_handler,
        output_processor: Callable[[list[Any], list[Any]], Any] | None = None,
        database: str | None = None,
        split_statements: bool | None = None,
        return_last: bool = True,
        show_return_value_in_logs: bool = False,
        requires_result_fetch: bool = False,
        hook_params: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.sql = sql
        self.conn_id = conn_id
        self.autocommit = autocommit
        self.parameters = parameters
        self.handler = handler
        self.output_processor = output_processor
        self.database = database
        self.split_statements = split_statements
        self.return_last = return_last
        self.show_return_value_in_logs = show_return_value_in_logs
        self.requires_result_fetch = requires_result_fetch
        self.hook_params = dict(hook_params or {})

    def get_db_hook(self) -> DbApiHook:
        if not self.conn_id:
            raise AirflowException(f"Task {self.task_id!r}: {type(self).__name__} needs a conn_id")
        params = dict(self.hook_params)
        if self.database:
            params.setdefault("schema", self.database)
        return get_db_hook(self.conn_id, params)

    def execute(self, context: Mapping[str, Any]) -> Any:
        hook = self.get_db_hook()
        split = bool(self.split_statements)
        fetch = self.do_xcom_push or self.requires_result_fetch
        output = hook.run(
            sql=self.sql, autocommit=self.autocommit, parameters=self.parameters,
            handler=self.handler if fetch else None, split_statements=split, return_last=self.return_last,
        )
        if not fetch:
            return None
        if return_single_query_results(self.sql, self.return_last, split):
            result = self._process_output([output], hook.descriptions[-1:])[-1]
        else:
            result = self._process_output(output, hook.descriptions)
        result = to_json_value(result)
        if self.show_return_value_in_logs:
            self.log.info("Query returned: %s", result)
        return result if self.do_xcom_push else None

    def _process_output(self, results: list[Any], descriptions: list[Any]) -> list[Any]:
        if self.output_processor is not None:
            return self.output_processor(results, descriptions)
        return results


class PostgresOperator(SQLExecuteQueryOperator):
    """The old name: ``SQLExecuteQueryOperator`` on ``postgres_conn_id``."""

    def __init__(
        self,
        *,
        postgres_conn_id: str = "postgres_default",
        database: str | None = None,
        runtime_parameters: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        hook_params = dict(kwargs.pop("hook_params", None) or {})
        if runtime_parameters:
            hook_params["options"] = " ".join(f"-c {name}={value}" for name, value in runtime_parameters.items())
        super().__init__(conn_id=postgres_conn_id, database=database, hook_params=hook_params, **kwargs)
        self.postgres_conn_id = postgres_conn_id


class SqliteOperator(SQLExecuteQueryOperator):
    """The old name: ``SQLExecuteQueryOperator`` on ``sqlite_conn_id``."""

    def __init__(self, *, sqlite_conn_id: str = "sqlite_default", **kwargs: Any) -> None:
        super().__init__(conn_id=sqlite_conn_id, **kwargs)
        self.sqlite_conn_id = sqlite_conn_id
