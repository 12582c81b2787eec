"""What a running try reads and writes in the store, behind one small interface.

``ChannelTryStore`` sends each call to the store service (see ``slipstream.executors.store_service``),
which runs it on its warm connection: a task process never connects, and never even imports
SQLAlchemy, so it forks small and starts fast. ``slipstream.runner.direct_store.DirectTryStore``
runs the same calls on a database handle in the calling process (inline runs, ``tasks test``).
Either way each call is one transaction of compare-and-set updates, so the store stays the
truth; only the process that holds the connection differs.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from collections.abc import Callable
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

    # One instance's value (map_index None: the first by map index); include_prior_dates: the
    # latest of this run and the earlier ones.
    def xcom_pull(
        self, *, dag_id: str, run_id: str, task_id: str, name: str, map_index: int | None,
        include_prior_dates: bool = False,
    ) -> Any: ...

    # Every instance's value in map-index order (``ti.xcom_pull`` without map_indexes).
    def xcom_pull_all(
        self, *, dag_id: str, run_id: str, task_id: str, name: str, include_prior_dates: bool = False
    ) -> list[Any]: ...

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
    def asset_events(self, *, dag_run_id: int | None = None, **query: Any) -> list[dict[str, Any]]: ...

    def find_asset(self, *, name: str | None = None, uri: str | None = None) -> dict[str, Any] | None: ...

    # The task instance's own keys, kept across its tries (context["task_state_store"]).
    def task_state_get(self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str) -> tuple[bool, Any]: ...

    def task_state_set(
        self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str, value: Any, expires_at: datetime | None,
    ) -> None: ...

    def task_state_delete(self, *, dag_run_id: int, key: tuple[str, str, str, int], name: str) -> None: ...

    def task_state_clear(self, *, dag_run_id: int, key: tuple[str, str, str, int]) -> None: ...


# Every call of the TryStore surface. A new call goes into this list, the protocol above and
# DirectTryStore; the channel's methods and the calls the store service answers are made from
# the list (tests/runner/test_try_store.py checks that the three agree).
CALLS: tuple[str, ...] = (
    "claim", "finish", "heartbeat",
    "xcom_push", "xcom_pull", "xcom_pull_all", "xcom_items", "xcom_count", "xcom_page",
    "reschedules", "external_runs", "previous_success",
    "get_variable", "set_variable", "delete_variable", "get_connection",
    "trigger_dag_run", "dag_run_state",
    "asset_events", "find_asset",
    "task_state_get", "task_state_set", "task_state_delete", "task_state_clear",
)


RESUME, AGAIN = "resume", "again"  # messages of a task that connects again (see executors.store_service)
RECONNECT_WAIT = 30.0  # how long a task whose executor lives waits for its store service to be back


class ChannelTryStore:
    """The same calls, sent over the socket the task process inherited to the store service,
    which also keeps the heartbeat of the try it claimed (see executors.store_service).
    Its methods, one per name of ``CALLS``, are made below.

    If the channel breaks (the store service ended: killed, or gone with a scheduler that was
    killed), the task goes on:

    - while the fork server or zygote that forked it lives (the executor is there and starts a
      new service at once), it connects to the new service at ``service_address`` and says which try it runs
      (``RESUME``, so the service keeps its heartbeat again);
    - otherwise (or when no service is back within ``RECONNECT_WAIT``), this call and every later
      one run on a database handle of this process's own (``DirectTryStore`` built from
      ``database_url``; SQLAlchemy is imported then, never before), with a heartbeat thread.

    Either way the call that broke may have been run before, so it is made again as a repeat
    (``direct_store.repeat``: each call is safe to run twice), and a try that finished its body
    records its result once."""

    keeps_heartbeat = True

    def __init__(
        self, channel: socket.socket, database_url: str | None = None, heartbeat_sec: float = 5.0,
        service_address: str | None = None, executor_alive: Callable[[], bool] | None = None,
    ) -> None:
        """``executor_alive``: whether the executor that started this process lives (by default:
        its parent is still the fork server or zygote that forked it)."""
        self.channel = channel
        self.database_url = database_url
        self.heartbeat_sec = heartbeat_sec
        self.service_address = service_address
        self.executor_alive = executor_alive or _forked_by_a_live_server
        self._lock = threading.Lock()
        self._direct: Any = None  # the DirectTryStore once the channel broke for good
        self._live: dict[str, Any] | None = None  # the claimed try: ti_id, try_number, pid, log_path
        self._heartbeat: DirectHeartbeat | None = None
        self._generated_run_ids: set[str] = set()

    def _call(self, method: str, **kwargs: Any) -> Any:
        from slipstream.processes.wire import request

        with self._lock:
            message: tuple[str, Any] = (method, kwargs)
            while self._direct is None:
                try:
                    status, value = request(self.channel, message)
                except (OSError, EOFError) as error:  # ConnectionError is an OSError
                    if not self._reconnect(error):
                        self._switch_to_direct(error)
                    message = (AGAIN, (method, kwargs, kwargs.get("run_id") in self._generated_run_ids))
                    continue
                if status != "ok":
                    raise RuntimeError(f"the store service could not {method}: {value}")
                self._after(method, kwargs, value)
                return value
            from slipstream.runner.direct_store import repeat

            value = repeat(self._direct, method, kwargs, kwargs.get("run_id") in self._generated_run_ids)
            self._after(method, kwargs, value)
            return value

    def _reconnect(self, error: BaseException) -> bool:
        """Connect to the store service the executor started again (it lives: this process's
        parent is still the zygote or fork server that forked it)."""
        from slipstream.processes.wire import request

        if not self.service_address or not self.executor_alive():
            return False
        deadline = time.monotonic() + RECONNECT_WAIT
        while time.monotonic() < deadline:
            channel = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                channel.connect(self.service_address)
                if self._live is not None:
                    request(channel, (RESUME, self._live))
            except OSError:
                channel.close()
                if not self.executor_alive():
                    return False
                time.sleep(0.1)
                continue
            self.channel.close()
            self.channel = channel
            _note(f"The channel to the store service broke ({type(error).__name__}): connected to its new one")
            return True
        return False

    def _switch_to_direct(self, error: BaseException) -> None:
        if self.database_url is None:
            raise ConnectionError(f"the channel to the store service broke ({error}) and no database is known") from error
        _note(
            f"The channel to the store service broke ({type(error).__name__}): this try records its calls directly "
            "in the database from now on"
        )
        from slipstream.runner.direct_store import DirectTryStore
        from slipstream.store.db import Database

        self._direct = DirectTryStore(Database(self.database_url))
        if self._live is not None:
            self._start_heartbeat()

    def _after(self, method: str, kwargs: dict[str, Any], value: Any) -> None:
        if method == "claim" and value is not None:
            self._live = {key: kwargs[key] for key in ("ti_id", "try_number", "pid", "log_path")}
            if self._direct is not None:
                self._start_heartbeat()
        elif method == "finish":
            self._live = None
            if self._heartbeat is not None:
                self._heartbeat.stop()

    def _start_heartbeat(self) -> None:
        assert self._live is not None and self._direct is not None
        if self._heartbeat is None:
            live = self._live
            self._heartbeat = DirectHeartbeat(
                self._direct, live["ti_id"], live["try_number"], self.heartbeat_sec, live["pid"]
            )
            self._heartbeat.start()

    def trigger_dag_run(self, **kwargs: Any) -> dict[str, Any]:
        """The run's id (and logical date) are fixed here, so that the call can be repeated."""
        if kwargs.get("run_id") is None:
            from slipstream.store.clock import utcnow

            logical_date = kwargs.get("logical_date") or utcnow()
            kwargs = {**kwargs, "logical_date": logical_date, "run_id": f"manual__{logical_date.isoformat()}"}
            self._generated_run_ids.add(kwargs["run_id"])
        return self._call("trigger_dag_run", **kwargs)


STOPPED_LINE = "This try is no longer the running one (it was cleared or marked): stopping it"


class DirectHeartbeat(threading.Thread):
    """The try's heartbeat once the store service no longer keeps it; a try that is no longer the
    running one (cleared, marked) stops its process group, as the service would have."""

    def __init__(self, store: Any, ti_id: int, try_number: int, interval: float, pid: int) -> None:
        super().__init__(name="task-heartbeat", daemon=True)
        self.store, self.ti_id, self.try_number, self.interval, self.pid = store, ti_id, try_number, interval, pid
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            try:
                alive = self.store.heartbeat(ti_id=self.ti_id, try_number=self.try_number)
            except Exception as error:  # noqa: BLE001 - a missed beat is tried again at the next one
                _note(f"Could not record the heartbeat: {type(error).__name__}: {error}")
                continue
            if not alive:
                if not self.stopped.is_set() and os.getpgrp() == self.pid:
                    _note(STOPPED_LINE)
                    os.killpg(self.pid, signal.SIGTERM)
                return

    def stop(self) -> None:
        self.stopped.set()


def _forked_by_a_live_server() -> bool:
    """Whether this process's parent is still the fork server or zygote that forked it: then its
    executor lives (and starts a new store service). An orphan's parent is init or a subreaper,
    even when its zygote died before this process looked."""
    try:
        with open(f"/proc/{os.getppid()}/cmdline", "rb") as cmdline:
            return b"slipstream.processes.forkserver" in cmdline.read()
    except OSError:
        return False


def _note(text: str) -> None:
    from slipstream.sdk.task_log import write_line

    write_line(text)


def _channel_method(name: str) -> Any:
    def call(self: ChannelTryStore, **kwargs: Any) -> Any:
        return self._call(name, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


for _name in CALLS:
    if _name not in vars(ChannelTryStore):
        setattr(ChannelTryStore, _name, _channel_method(_name))
