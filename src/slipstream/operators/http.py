"""``HttpOperator`` (and its old name ``SimpleHttpOperator``): one HTTP request as a task.

``response_check(response)`` returning False fails the task; ``response_filter(response)`` gives
the XCom value (the response text by default). Both may also name context keys as parameters,
like a PythonOperator's callable. With ``pagination_function(response)`` returning the keyword
arguments of the next request (or None to stop), every page is fetched and the check and the
filter get the list of responses.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slipstream.hooks.http import HttpHook
from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.context import determine_kwargs
from slipstream.sdk.exceptions import AirflowException


class HttpOperator(BaseOperator):
    """Call ``endpoint`` of the ``http_conn_id`` connection with ``method``."""

    template_fields: Sequence[str] = ("endpoint", "data", "headers")
    template_fields_renderers = {"headers": "json", "data": "py"}
    template_ext: Sequence[str] = ()
    ui_color = "#f4a460"

    def __init__(
        self,
        *,
        endpoint: str | None = None,
        method: str = "POST",
        data: dict[str, Any] | str | None = None,
        headers: dict[str, str] | None = None,
        pagination_function: Callable[..., Any] | None = None,
        response_check: Callable[..., bool] | None = None,
        response_filter: Callable[..., Any] | None = None,
        extra_options: dict[str, Any] | None = None,
        request_kwargs: dict[str, Any] | None = None,
        http_conn_id: str = "http_default",
        log_response: bool = False,
        auth_type: Any = None,
        tcp_keep_alive: bool = True,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.http_conn_id = http_conn_id
        self.method = method
        self.endpoint = endpoint
        self.headers = headers or {}
        self.data = data or {}
        self.pagination_function = pagination_function
        self.response_check = response_check
        self.response_filter = response_filter
        self.extra_options = extra_options or {}
        self.request_kwargs = request_kwargs or {}
        self.log_response = log_response
        self.auth_type = auth_type
        self.tcp_keep_alive = tcp_keep_alive
        if deferrable:
            self.log.warning("Slipstream has no triggerer: %s waits for the response in its task process", self.task_id)

    @property
    def hook(self) -> HttpHook:
        return HttpHook(
            self.method, http_conn_id=self.http_conn_id, auth_type=self.auth_type, tcp_keep_alive=self.tcp_keep_alive
        )

    def execute(self, context: Mapping[str, Any]) -> Any:
        self.log.info("Calling HTTP method")
        hook = self.hook
        response = hook.run(self.endpoint, self.data, self.headers, self.extra_options, **self.request_kwargs)
        if self.pagination_function is None:
            return self.process_response(context, response)
        responses = [response]
        while (page := self._call(self.pagination_function, responses[-1], context)) is not None:
            request = self._merge_next_page(page)
            responses.append(hook.run(**request, **self.request_kwargs))
        return self.process_response(context, responses)

    def _merge_next_page(self, page: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(page) - {"endpoint", "data", "headers", "extra_options"}
        if unknown:
            raise AirflowException(
                f"pagination_function returned {', '.join(sorted(unknown))}; it may return endpoint, data, headers "
                "and extra_options (or None for the last page)"
            )
        merged: dict[str, Any] = {"endpoint": page.get("endpoint", self.endpoint)}
        for name in ("data", "headers", "extra_options"):
            current = getattr(self, name)
            given = page.get(name)
            if isinstance(current, dict) and isinstance(given, dict):
                merged[name] = {**current, **given}
            else:
                merged[name] = current if given is None else given
        return merged

    def process_response(self, context: Mapping[str, Any], response: Any) -> Any:
        """Log, check and filter the response (or the list of pages)."""
        pages = response if isinstance(response, list) else [response]
        if self.log_response:
            for page in pages:
                self.log.info(page.text)
        if self.response_check is not None and not self._call(self.response_check, response, context):
            raise AirflowException("Response check returned False.")
        if self.response_filter is not None:
            return self._call(self.response_filter, response, context)
        return [page.text for page in pages] if isinstance(response, list) else response.text

    @staticmethod
    def _call(function: Callable[..., Any], response: Any, context: Mapping[str, Any]) -> Any:
        return function(response, **determine_kwargs(function, [response], {}, context))


class SimpleHttpOperator(HttpOperator):
    """Airflow 2's name of ``HttpOperator``."""
