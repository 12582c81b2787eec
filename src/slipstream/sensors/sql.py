"""``SqlSensor``: pokes a database with a query until its first row says the wait is over."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from slipstream.hooks.sql import get_db_hook
from slipstream.sdk.exceptions import AirflowException
from slipstream.sensors.base import BaseSensorOperator


class SqlSensor(BaseSensorOperator):
    """Runs ``sql`` on ``conn_id`` at each poke and looks at the first cell of the first row
    (``selector`` picks another value from the row). No row pokes again, or fails with
    ``fail_on_empty``. ``failure(value)`` true fails the task; ``success(value)`` decides when
    given, else the value's truth does."""

    template_fields = ("sql", "hook_params", "parameters")
    template_ext = (".hql", ".sql")

    def __init__(
        self,
        *,
        conn_id: str,
        sql: str,
        parameters: Iterable[Any] | Mapping[str, Any] | None = None,
        success: Callable[[Any], bool] | None = None,
        failure: Callable[[Any], bool] | None = None,
        selector: Callable[[tuple[Any, ...]], Any] = lambda row: row[0],
        fail_on_empty: bool = False,
        hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.conn_id = conn_id
        self.sql = sql
        self.parameters = parameters
        self.success = success
        self.failure = failure
        self.selector = selector
        self.fail_on_empty = fail_on_empty
        self.hook_params = hook_params
        for name, check in (("failure", failure), ("success", success)):
            if check is not None and not callable(check):
                raise AirflowException(f"Task {self.task_id!r}: {name} must be a function of the value, got {check!r}")

    def poke(self, context: Mapping[str, Any]) -> bool:
        hook = get_db_hook(self.conn_id, self.hook_params)
        self.log.info("Poking: %s (with parameters %s)", self.sql, self.parameters)
        records = hook.get_records(self.sql, self.parameters)
        if not records:
            if self.fail_on_empty:
                raise AirflowException("No rows returned, raising as per fail_on_empty flag")
            return False
        value = self.selector(records[0])
        if self.failure is not None and self.failure(value):
            raise AirflowException(f"Failure criteria met. self.failure({value}) returned True")
        if self.success is not None:
            return bool(self.success(value))
        return bool(value)
