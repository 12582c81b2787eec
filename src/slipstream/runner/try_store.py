"""What a running try reads and writes in the store, behind one small interface.

``ChannelTryStore`` sends each call to the store service (see ``slipstream.executors.store_service``),
which runs it on its warm connection: a task process never connects, and never even imports
SQLAlchemy, so it forks small and starts fast. ``slipstream.runner.direct_store.DirectTryStore``
runs the same calls on a database handle in the calling process (inline runs, ``tasks test``).
Either way each call is one transaction of compare-and-set updates, so the store stays the
truth; only the process that holds the connection differs.
"""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from slipstream.store.task_reschedules_summary import Reschedules


@dataclass(frozen=True)
class Claim:
    """A try this process now owns, with what the runner needs of its run."""

    max_tries: int
    dag_run: dict[str, Any]
    previous_success: dict[str, Any] | None = None  # the run's prev_*_success values


class TryStore(Protocol):
    def claim(
        self, *, ti_id: int, try_number: int, hostname: str, pid: int, now: datetime, key: tuple[str, str, str, int],
        log_path: str,
    ) -> Claim | None: ...

    def finish(
        self, *, ti_id: int, try_number: int, dag_run_id: int, key: tuple[str, str, str, int], state: str,
        xcom_values: tuple[tuple[str, Any], ...], next_try_at: datetime | None, reason: str | None,
        started_at: datetime, skip_task_ids: tuple[str, ...] = (), rendered_map_index: str | None = None,
        rendered_fields: dict[str, Any] | None = None, asset_events: tuple[dict[str, Any], ...] = (),
    ) -> bool: ...

    # True when the other end of the store keeps this try's heartbeat (no thread needed here).
    keeps_heartbeat: bool

    def heartbeat(self, *, ti_id: int, try_number: int) -> bool: ...

    def xcom_push(self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str, value: Any) -> None: ...

    def xcom_pull(self, *, dag_id: str, run_id: str, task_id: str, name: str, map_index: int | None) -> Any: ...

    # Expanding over an unmapped upstream's value: its item count, and one item (see DirectTryStore).
    def xcom_items(self, *, dag_id: str, run_id: str, task_id: str, name: str, index: int | None) -> tuple[int, Any]: ...

    def xcom_count(self, *, dag_id: str, run_id: str, task_id: str, name: str) -> int: ...

    def xcom_page(self, *, dag_id: str, run_id: str, task_id: str, name: str, offset: int, limit: int) -> list[Any]: ...

    # Sensors: their earlier reschedules, and (ExternalTaskSensor) other DAGs' runs.
    def reschedules(
        self, *, key: tuple[str, str, str, int], first_try_number: int, try_number: int
    ) -> Reschedules: ...

    def external_runs(self, *, dag_id: str, logical_dates: tuple[datetime, ...]) -> dict[str, Any]: ...

    # Templates: what the fields of this try rendered to, and the previous successful run.
    def previous_success(self, *, dag_id: str, logical_date: datetime) -> dict[str, Any] | None: ...

    # Variables and Connections: a TryStore is the try's ``slipstream.sdk.secrets.SecretsProvider``.
    def get_variable(self, *, key: str) -> str | None: ...

    def set_variable(self, *, key: str, value: str, description: str | None) -> None: ...

    def delete_variable(self, *, key: str) -> int: ...

    def get_connection(self, *, conn_id: str) -> dict[str, Any] | None: ...

    # TriggerDagRunOperator: another DAG's manual run, and its state while the task waits for it.
    def trigger_dag_run(
        self, *, dag_id: str, run_id: str | None, conf: dict[str, Any] | None, logical_date: datetime | None,
        reset_dag_run: bool, fail_when_dag_is_paused: bool,
    ) -> dict[str, Any]: ...

    def dag_run_state(self, *, dag_id: str, run_id: str) -> str | None: ...

    # Assets: recorded events (of an asset, of an alias, or that triggered a run), an asset by name or uri.
    def asset_events(self, **query: Any) -> list[dict[str, Any]]: ...

    def find_asset(self, *, name: str | None = None, uri: str | None = None) -> dict[str, Any] | None: ...


class ChannelTryStore:
    """The same calls, sent over the socket the task process inherited to the store service,
    which also keeps the heartbeat of the try it claimed (see executors.store_service)."""

    keeps_heartbeat = True

    def __init__(self, channel: socket.socket) -> None:
        self.channel = channel
        self._lock = threading.Lock()

    def _call(self, method: str, **kwargs: Any) -> Any:
        from slipstream.processes.wire import request

        with self._lock:
            status, value = request(self.channel, (method, kwargs))
        if status != "ok":
            raise RuntimeError(f"the store service could not {method}: {value}")
        return value

    def claim(self, **kwargs: Any) -> Claim | None:
        return self._call("claim", **kwargs)

    def finish(self, **kwargs: Any) -> bool:
        return self._call("finish", **kwargs)

    def heartbeat(self, **kwargs: Any) -> bool:
        return self._call("heartbeat", **kwargs)

    def xcom_push(self, **kwargs: Any) -> None:
        return self._call("xcom_push", **kwargs)

    def xcom_pull(self, **kwargs: Any) -> Any:
        return self._call("xcom_pull", **kwargs)

    def xcom_items(self, **kwargs: Any) -> tuple[int, Any]:
        return self._call("xcom_items", **kwargs)

    def xcom_count(self, **kwargs: Any) -> int:
        return self._call("xcom_count", **kwargs)

    def xcom_page(self, **kwargs: Any) -> list[Any]:
        return self._call("xcom_page", **kwargs)

    def reschedules(self, **kwargs: Any) -> Reschedules:
        return self._call("reschedules", **kwargs)

    def external_runs(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("external_runs", **kwargs)

    def previous_success(self, **kwargs: Any) -> dict[str, Any] | None:
        return self._call("previous_success", **kwargs)

    def get_variable(self, **kwargs: Any) -> str | None:
        return self._call("get_variable", **kwargs)

    def set_variable(self, **kwargs: Any) -> None:
        return self._call("set_variable", **kwargs)

    def delete_variable(self, **kwargs: Any) -> int:
        return self._call("delete_variable", **kwargs)

    def get_connection(self, **kwargs: Any) -> dict[str, Any] | None:
        return self._call("get_connection", **kwargs)

    def trigger_dag_run(self, **kwargs: Any) -> dict[str, Any]:
        return self._call("trigger_dag_run", **kwargs)

    def dag_run_state(self, **kwargs: Any) -> str | None:
        return self._call("dag_run_state", **kwargs)

    def asset_events(self, **kwargs: Any) -> list[dict[str, Any]]:
        return self._call("asset_events", **kwargs)

    def find_asset(self, **kwargs: Any) -> dict[str, Any] | None:
        return self._call("find_asset", **kwargs)


