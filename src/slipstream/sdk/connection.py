"""``Connection``: how a task reaches another system, as Airflow spells it.

A connection is built from fields, from a URI (``postgresql://user:pass@host:5432/db?param=x``)
or from JSON (``{"conn_type": "postgres", "host": ..., "extra": {...}}``), and is looked up by
id in the environment (``AIRFLOW_CONN_<ID>``) and then in the store (see ``sdk/secrets.py``).
The URI rules follow Airflow's: ``postgresql`` is the type ``postgres``, ``-`` in a type is ``_``,
user and password are percent-decoded, query parameters become the JSON extra (or
``__extra__=<json>`` carries it whole), and ``scheme://protocol://host`` keeps the protocol in
the host.

A connection that is looked up (``get_connection_from_secrets``, ``BaseHook.get_connection``,
``{{ conn.x }}``) has its password, its extra and the extra's values under sensitive keys masked
in everything the process writes from then on (``sdk/secrets_masker.py``); the URI form of the
password is masked with it.
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from slipstream.sdk import secrets
from slipstream.sdk.exceptions import AirflowException, AirflowNotFoundException
from slipstream.sdk.secrets_masker import mask_secret

log = logging.getLogger(__name__)

FIELDS = ("conn_id", "conn_type", "description", "host", "schema", "login", "password", "port", "extra")


def _normalize_conn_type(conn_type: str) -> str:
    if conn_type == "postgresql":
        return "postgres"
    return conn_type.replace("-", "_")


def _hostname(parts: Any) -> str:
    hostname = unquote(parts.hostname or "")
    if "/" in hostname:  # a host with a path (e.g. a socket folder): urlsplit splits it wrongly
        hostname = parts.netloc.rsplit("@", 1)[-1].split(":", 1)[0]
        hostname = unquote(hostname)
    return hostname


class Connection:
    """A connection's fields, with ``extra_dejson`` and ``get_uri()``."""

    EXTRA_KEY = "__extra__"

    def __init__(
        self,
        conn_id: str | None = None,
        conn_type: str | None = None,
        description: str | None = None,
        host: str | None = None,
        login: str | None = None,
        password: str | None = None,
        schema: str | None = None,
        port: int | None = None,
        extra: str | dict[str, Any] | None = None,
        uri: str | None = None,
    ) -> None:
        self.conn_id = conn_id
        self.description = description
        if uri and any(v is not None for v in (conn_type, host, login, password, schema, port, extra)):
            raise AirflowException(
                "You must create a Connection from a URI or from individual values (conn_type, host, login, "
                "password, schema, port or extra), not both"
            )
        self.conn_type, self.host, self.login, self.password = conn_type, host, login, password
        self.schema, self.port = schema, port
        self.extra = json.dumps(extra) if isinstance(extra, dict) else extra
        if uri:
            self._parse_from_uri(uri)
        if self.port is not None and self.port != "":
            try:
                self.port = int(self.port)
            except (TypeError, ValueError):
                raise ValueError(f"Expected an integer port for connection {conn_id!r}, got {self.port!r}") from None
        else:
            self.port = None

    def __repr__(self) -> str:
        return self.conn_id or ""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Connection) and self.to_dict() == other.to_dict()

    def _parse_from_uri(self, uri: str) -> None:
        schemes = uri.count("://")
        if schemes == 0 or schemes > 2:
            raise AirflowException(f"Invalid connection URI for {self.conn_id!r}: {uri!r} (expected type://...)")
        with_protocol = schemes == 2
        conn_type = urlsplit(uri).scheme
        if not conn_type:
            raise AirflowException(f"Invalid connection URI for {self.conn_id!r}: {uri!r} has no type")
        self.conn_type = _normalize_conn_type(conn_type)
        rest = uri.replace(f"{conn_type}://", "" if with_protocol else "//", 1)
        if with_protocol and ("@" in rest.split("://", 1)[0] or ":" in rest.split("://", 1)[0]):
            raise AirflowException(f"Invalid connection URI for {self.conn_id!r}: {uri!r}")
        parts = urlsplit(rest)
        host = _hostname(parts)
        self.host = f"{parts.scheme}://{host}" if with_protocol else (host or None)
        self.schema = unquote(parts.path[1:]) if parts.path[1:] else None
        self.login = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        try:
            self.port = parts.port
        except ValueError as err:
            raise AirflowException(f"Invalid connection URI for {self.conn_id!r}: {err}") from None
        if parts.query:
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            self.extra = query[self.EXTRA_KEY] if self.EXTRA_KEY in query else json.dumps(query)

    def get_uri(self) -> str:
        """The connection as a URI that ``Connection(uri=...)`` reads back."""
        uri = f"{(self.conn_type or '').lower().replace('_', '-')}://"
        host = self.host
        if host and "://" in host:
            protocol, host = host.split("://", 1)
            uri += f"{protocol}://"
        authority = ""
        if self.login is not None:
            authority += quote(self.login, safe="")
        if self.password is not None:
            authority += ":" + quote(self.password, safe="")
        if authority:
            uri += authority + "@"
        host_block = quote(host, safe="") if host else ""
        if self.port:
            host_block += f"@:{self.port}" if not host_block and not authority else f":{self.port}"
        if self.schema:
            host_block += f"/{quote(self.schema, safe='')}"
        uri += host_block
        if self.extra:
            separator = "?" if self.schema else "/?"
            try:
                query = urlencode(self.extra_dejson)
            except TypeError:
                query = ""
            if query and self.extra_dejson == dict(parse_qsl(query, keep_blank_values=True)):
                uri += separator + query
            else:
                uri += separator + urlencode({self.EXTRA_KEY: self.extra})
        return uri

    def get_extra(self) -> str | None:
        return self.extra

    def get_password(self) -> str | None:
        return self.password

    @property
    def extra_dejson(self) -> dict[str, Any]:
        """The extra as a dict ({} when empty, or when it is not a JSON object)."""
        if not self.extra:
            return {}
        try:
            value = json.loads(self.extra)
        except json.JSONDecodeError:
            log.error("The extra of connection %r is not valid JSON; using {}", self.conn_id)
            return {}
        return value if isinstance(value, dict) else {}

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}

    def as_json(self) -> str:
        """The JSON form (``extra`` as an object when it is one), for AIRFLOW_CONN_<ID>."""
        data = {k: v for k, v in self.to_dict().items() if k != "conn_id" and v is not None}
        if self.extra:
            try:
                data["extra"] = json.loads(self.extra)
            except json.JSONDecodeError:
                pass
        return json.dumps(data)

    @classmethod
    def from_json(cls, value: str, conn_id: str | None = None) -> Connection:
        """``{"conn_type": ..., "host": ..., "port": ..., "extra": {...} or "..."}``."""
        try:
            data = json.loads(value)
        except json.JSONDecodeError as err:
            raise AirflowException(f"Connection {conn_id!r} is not valid JSON: {err}") from None
        if not isinstance(data, dict):
            raise AirflowException(f"Connection {conn_id!r} in JSON form must be an object")
        unknown = set(data) - set(FIELDS)
        if unknown:
            raise AirflowException(f"Connection {conn_id!r} has unknown fields: {', '.join(sorted(unknown))}")
        data.pop("conn_id", None)
        if isinstance(data.get("extra"), (dict, list)):
            data["extra"] = json.dumps(data["extra"])
        if data.get("conn_type"):
            data["conn_type"] = _normalize_conn_type(data["conn_type"])
        return cls(conn_id=conn_id, **data)

    @classmethod
    def from_text(cls, conn_id: str, text: str) -> Connection:
        """An environment variable's value: JSON when it starts with ``{``, a URI otherwise."""
        text = text.strip()
        return cls.from_json(text, conn_id=conn_id) if text.startswith("{") else cls(conn_id=conn_id, uri=text)

    @classmethod
    def get_connection_from_secrets(cls, conn_id: str) -> Connection:
        """The environment (SLIPSTREAM_CONN_<ID>, AIRFLOW_CONN_<ID>) first, then the store."""
        text = secrets.connection_from_environment(conn_id)
        if text is not None:
            return cls.from_text(conn_id, text).mask_secrets()
        fields = secrets.current_provider(f"Connection {conn_id!r}").get_connection(conn_id=conn_id)
        if fields is None:
            raise AirflowNotFoundException(f"The conn_id `{conn_id}` isn't defined")
        return cls(**{k: fields.get(k) for k in FIELDS}).mask_secrets()

    def mask_secrets(self) -> Connection:
        """Mask the password, the extra, and the extra's values under sensitive keys (nested
        ones too) in everything this process writes; returns the connection."""
        if self.password:
            mask_secret(self.password)
        if self.extra:
            mask_secret(self.extra)
            try:
                extra = json.loads(self.extra)
            except json.JSONDecodeError:
                extra = None
            if isinstance(extra, dict):
                mask_secret(extra)
        return self

    @classmethod
    def get(cls, conn_id: str) -> Connection:
        """Airflow 3's spelling of ``get_connection_from_secrets``."""
        return cls.get_connection_from_secrets(conn_id)

    def get_hook(self, *, hook_params: dict[str, Any] | None = None) -> Any:
        """A hook of this connection's conn_type, made for this connection: an installed provider's
        hook for that type, else Slipstream's own (sqlite, postgres, http, smtp)."""
        from slipstream.sdk.module_loading import import_string
        from slipstream.sdk.providers_manager import hook_class_name

        name = hook_class_name(self.conn_type or "")
        if name is None:
            raise AirflowNotFoundException(
                f"Connection {self.conn_id!r}: no hook is known for conn_type {self.conn_type!r}; install the "
                "provider of that type (pip install --no-deps apache-airflow-providers-<name>)"
            )
        hook_class = import_string(name)
        return hook_class(**{hook_class.conn_name_attr: self.conn_id}, **(hook_params or {}))


class ConnectionAccessor:
    """``{{ conn.my_conn.host }}`` and ``{{ conn.get('my_conn', default_conn) }}`` in templates."""

    def __getattr__(self, conn_id: str) -> Connection:
        if conn_id.startswith("__"):
            raise AttributeError(conn_id)
        return Connection.get_connection_from_secrets(conn_id)

    def get(self, conn_id: str, default_conn: Any = None) -> Any:
        try:
            return Connection.get_connection_from_secrets(conn_id)
        except AirflowNotFoundException:
            return default_conn

    def __repr__(self) -> str:
        return "<ConnectionAccessor (dynamic access)>"
