"""``HttpSensor``: pokes an HTTP endpoint until it answers, or until ``response_check`` says so."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slipstream.hooks.http import HttpHook
from slipstream.sdk.context import determine_kwargs
from slipstream.sdk.exceptions import AirflowException
from slipstream.sensors.base import BaseSensorOperator, PokeReturnValue


class HttpSensor(BaseSensorOperator):
    """Each poke sends ``method`` to ``endpoint`` of ``http_conn_id``. Without ``response_check`` a
    2xx/3xx answer ends the wait; with it, its result does (it gets the response, plus the context
    keys it names). A status in ``response_error_codes_allowlist`` (default 404) pokes again; any
    other error status fails the try."""

    template_fields = ("endpoint", "request_params", "headers", "http_conn_id")

    def __init__(
        self,
        *,
        endpoint: str,
        http_conn_id: str = "http_default",
        method: str = "GET",
        request_params: dict[str, Any] | None = None,
        request_kwargs: dict[str, Any] | None = None,
        headers: dict[str, Any] | None = None,
        response_error_codes_allowlist: Sequence[str] | None = None,
        response_check: Callable[..., bool | PokeReturnValue] | None = None,
        extra_options: dict[str, Any] | None = None,
        tcp_keep_alive: bool = True,
        tcp_keep_alive_idle: int = 120,
        tcp_keep_alive_count: int = 20,
        tcp_keep_alive_interval: int = 30,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.endpoint = endpoint
        self.http_conn_id = http_conn_id
        self.method = method
        self.request_params = request_params or {}
        self.request_kwargs = request_kwargs or {}
        self.headers = headers or {}
        self.response_error_codes_allowlist = tuple(response_error_codes_allowlist or ("404",))
        self.response_check = response_check
        self.extra_options = extra_options or {}
        self.tcp_keep_alive = tcp_keep_alive
        self.deferrable = deferrable

    def poke(self, context: Mapping[str, Any]) -> bool | PokeReturnValue:
        hook = HttpHook(method=self.method, http_conn_id=self.http_conn_id, tcp_keep_alive=self.tcp_keep_alive)
        self.log.info("Poking: %s", self.endpoint)
        try:
            response = hook.run(
                self.endpoint, data=self.request_params, headers=self.headers, extra_options=self.extra_options,
                **self.request_kwargs,
            )
        except AirflowException as error:
            if str(error).startswith(self.response_error_codes_allowlist):
                return False
            raise
        if self.response_check is None:
            return True
        return self.response_check(response, **determine_kwargs(self.response_check, [response], {}, context))
