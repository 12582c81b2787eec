"""``HttpHook``: HTTP requests to the system a connection describes, over ``requests``.

From the connection: the base URL (``schema`` is the URL scheme, ``http`` by default; a host
that holds ``://`` is the base URL itself), login and password for the auth (basic by default),
and the extra: ``stream``, ``verify``, ``cert``, ``proxies``, ``timeout``, ``allow_redirects``,
``max_redirects``, ``trust_env`` and ``check_response`` are request options; every other key is
a header sent with each request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import requests
from requests.auth import AuthBase, HTTPBasicAuth

from slipstream.hooks.base import BaseHook
from slipstream.sdk.exceptions import AirflowException

SESSION_OPTIONS = ("stream", "verify", "cert", "proxies", "max_redirects", "trust_env")
REQUEST_OPTIONS = ("timeout", "allow_redirects", "check_response")


class HttpHook(BaseHook):
    """Send requests with ``method`` to the base URL of ``http_conn_id``."""

    conn_name_attr = "http_conn_id"
    default_conn_name = "http_default"
    conn_type = "http"
    hook_name = "HTTP"

    def __init__(
        self,
        method: str = "POST",
        http_conn_id: str = default_conn_name,
        auth_type: type[AuthBase] | Callable[..., AuthBase] | None = None,
        tcp_keep_alive: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.method = method.upper()
        self.http_conn_id = http_conn_id
        self.auth_type = auth_type
        self.tcp_keep_alive = tcp_keep_alive
        self.base_url = ""
        self.connection_options: dict[str, Any] = {}

    def get_conn(self, headers: Mapping[str, Any] | None = None) -> requests.Session:
        """A session with the connection's base URL, auth and headers, then ``headers`` over them."""
        session = requests.Session()
        self.connection_options = {}
        if self.http_conn_id:
            connection = self.get_connection(self.http_conn_id)
            host = connection.host or ""
            if "://" in host:
                self.base_url = host
            elif host:
                self.base_url = f"{connection.schema or 'http'}://{host}"
            if host and connection.port:
                self.base_url += f":{connection.port}"
            if connection.login:
                session.auth = self._auth(connection.login, connection.password)
            elif self.auth_type is not None:
                session.auth = self.auth_type()
            extra = dict(connection.extra_dejson)
            for option in SESSION_OPTIONS:
                if option in extra:
                    setattr(session, option, extra.pop(option))
            for option in REQUEST_OPTIONS:
                if option in extra:
                    self.connection_options[option] = extra.pop(option)
            session.headers.update({str(k): str(v) for k, v in extra.items()})
        if headers:
            session.headers.update(headers)
        return session

    def _auth(self, login: str, password: str | None) -> AuthBase:
        auth_type = self.auth_type or HTTPBasicAuth
        return auth_type(login, password)

    def url_from_endpoint(self, endpoint: str | None) -> str:
        """The base URL and the endpoint joined by exactly one ``/``."""
        if not endpoint:
            return self.base_url
        if "://" in endpoint:
            return endpoint
        if not self.base_url:
            raise AirflowException(
                f"Connection {self.http_conn_id!r} has no host, so the endpoint {endpoint!r} has no base URL: "
                "set the connection's host (and schema/port), or give a full URL as the endpoint"
            )
        return f"{self.base_url.rstrip('/')}/{endpoint.lstrip('/')}"

    def run(
        self,
        endpoint: str | None = None,
        data: dict[str, Any] | str | bytes | None = None,
        headers: Mapping[str, Any] | None = None,
        extra_options: Mapping[str, Any] | None = None,
        **request_kwargs: Any,
    ) -> requests.Response:
        """Send one request: ``data`` is the query string of a GET, the body otherwise.

        A status of 400 or more raises ``AirflowException`` unless ``check_response`` is False."""
        session = self.get_conn(headers)
        options = {**self.connection_options, **dict(extra_options or {})}
        url = self.url_from_endpoint(endpoint)
        if self.method == "GET":
            request = requests.Request(self.method, url, params=data, headers=headers, **request_kwargs)
        elif self.method == "HEAD":
            request = requests.Request(self.method, url, headers=headers, **request_kwargs)
        else:
            request = requests.Request(self.method, url, data=data, headers=headers, **request_kwargs)
        prepared = session.prepare_request(request)
        self.log.info("Sending %r to url: %s", self.method, url)
        return self.run_and_check(session, prepared, options)

    def run_and_check(
        self, session: requests.Session, prepped_request: requests.PreparedRequest, extra_options: Mapping[str, Any]
    ) -> requests.Response:
        options = dict(extra_options)
        check_response = options.pop("check_response", True)
        settings = session.merge_environment_settings(
            prepped_request.url, options.pop("proxies", {}), options.pop("stream", False),
            options.pop("verify", None), options.pop("cert", None),
        )
        send_options = {"timeout": options.pop("timeout", None), "allow_redirects": options.pop("allow_redirects", True)}
        if options:
            raise AirflowException(
                f"Unknown extra_options {', '.join(sorted(options))} for HttpHook; known: "
                f"{', '.join(sorted(('proxies', 'stream', 'verify', 'cert', *REQUEST_OPTIONS)))}"
            )
        try:
            response = session.send(prepped_request, **send_options, **settings)
        except requests.exceptions.ConnectionError as err:
            raise AirflowException(f"Could not reach {prepped_request.url}: {err}") from err
        if check_response:
            self.check_response(response)
        return response

    def check_response(self, response: requests.Response) -> None:
        """Raise ``AirflowException`` ("<status>:<reason>") for a status of 400 or more."""
        try:
            response.raise_for_status()
        except requests.exceptions.HTTPError:
            self.log.error("HTTP error: %s", response.reason)
            self.log.error(response.text)
            raise AirflowException(f"{response.status_code}:{response.reason}") from None

    def test_connection(self) -> tuple[bool, str]:
        try:
            self.run()
        except Exception as err:  # noqa: BLE001 - reported to the caller as text
            return False, str(err)
        return True, "Connection successfully tested"
