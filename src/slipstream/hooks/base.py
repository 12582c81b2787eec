"""``BaseHook``: the base of hooks, and ``BaseHook.get_connection(conn_id)`` for any task."""

from __future__ import annotations

import logging
from typing import Any

from slipstream.sdk.connection import Connection


class BaseHook:
    """What hooks share: a logger and connections looked up by id (environment first, then the store)."""

    conn_name_attr: str = ""
    default_conn_name: str = ""
    conn_type: str = ""
    hook_name: str = ""

    def __init__(self, logger_name: str | None = None, **kwargs: Any) -> None:
        self.log = logging.getLogger(logger_name or f"{type(self).__module__}.{type(self).__name__}")

    @classmethod
    def get_connection(cls, conn_id: str) -> Connection:
        """The connection ``conn_id``; ``AirflowNotFoundException`` when it is defined nowhere."""
        return Connection.get_connection_from_secrets(conn_id)

    @classmethod
    def get_hook(cls, conn_id: str) -> Any:
        raise NotImplementedError(
            f"BaseHook.get_hook({conn_id!r}): Slipstream does not ship provider hooks yet; "
            "use BaseHook.get_connection and the client library of the system"
        )

    def get_conn(self) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement get_conn()")
