"""Where Variables and Connections come from, seen from the authoring side.

Environment variables come first (``SLIPSTREAM_VAR_<KEY>`` then ``AIRFLOW_VAR_<KEY>``;
``SLIPSTREAM_CONN_<ID>`` then ``AIRFLOW_CONN_<ID>``, key and id upper-cased), as with Airflow's
environment secrets backend; then the store. The sdk may not import the store, so the store is
reached through a *provider* that the process running user code installs for as long as it runs
it: the task runner (through the try's store, i.e. the zygote's connection), and the DAG file
loader (a direct database handle). The provider is process-wide rather than a context variable
so that threads a task starts see it too.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any, Protocol

from slipstream.sdk.exceptions import AirflowException

VAR_PREFIXES = ("SLIPSTREAM_VAR_", "AIRFLOW_VAR_")
CONN_PREFIXES = ("SLIPSTREAM_CONN_", "AIRFLOW_CONN_")


class SecretsProvider(Protocol):
    """The store's side of Variables and Connections (keyword arguments only)."""

    def get_variable(self, *, key: str) -> str | None: ...

    def set_variable(self, *, key: str, value: str, description: str | None) -> None: ...

    def delete_variable(self, *, key: str) -> int: ...

    def get_connection(self, *, conn_id: str) -> dict[str, Any] | None:
        """The connection's fields (conn_id, conn_type, host, schema, login, password, port, extra,
        description) as plain data, or None."""
        ...


class SecretsUnavailable(AirflowException):
    """Variables or Connections were asked for where no store is reachable."""


_providers: list[SecretsProvider] = []


@contextlib.contextmanager
def secrets_provider(provider: SecretsProvider, *, fallback: bool = False) -> Iterator[None]:
    """Make ``provider`` the store for Variables and Connections during the block.

    With ``fallback`` it is installed only when no other provider is (the DAG file loader uses
    this, so a task's own provider wins when a task process loads its DAG file)."""
    if fallback and _providers:
        yield
        return
    _providers.append(provider)
    try:
        yield
    finally:
        _providers.remove(provider)


def current_provider(what: str) -> SecretsProvider:
    """The installed provider; ``what`` words the error ("Variable.get('x')")."""
    if not _providers:
        raise SecretsUnavailable(
            f"{what} needs the Slipstream store, which is only reachable while a task runs or a DAG file is "
            "parsed by Slipstream. Outside of those, provide it as an environment variable "
            "(SLIPSTREAM_VAR_<KEY> / AIRFLOW_VAR_<KEY>, SLIPSTREAM_CONN_<ID> / AIRFLOW_CONN_<ID>)."
        )
    return _providers[-1]


def _from_environment(prefixes: tuple[str, ...], name: str) -> str | None:
    for prefix in prefixes:
        value = os.environ.get(prefix + name.upper())
        if value is not None:
            return value
    return None


def variable_from_environment(key: str) -> str | None:
    return _from_environment(VAR_PREFIXES, key)


def connection_from_environment(conn_id: str) -> str | None:
    """The raw URI or JSON text of ``conn_id`` from the environment, if any."""
    return _from_environment(CONN_PREFIXES, conn_id)
