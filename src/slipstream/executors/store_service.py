"""The process that answers the local executor's task processes, and keeps their heartbeats.

Each task process sends its store calls (claim, XComs, finish...) over a channel of its own to
this process, which runs them on one warm connection: task processes never connect nor load
SQLAlchemy. Because the channel stays open exactly as long as the task process lives, this
process also records the heartbeat of every try it has claimed and not yet finished: a task
process needs no heartbeat thread of its own. When a try is no longer the running one (a user
cleared or marked it), its process group is stopped, as the task's own heartbeat would have done.

``start`` runs it as a fresh interpreter (``main``); the executor hands the control socket to
the fork server, which passes each new child's channel here (see ``processes.channel_server``).
"""

from __future__ import annotations

import logging
import os
import pickle
import select
import signal
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slipstream.processes import python_process
from slipstream.processes.channel_server import serve_channels
from slipstream.runner.direct_store import DirectTryStore, repeat, serve_request
from slipstream.runner.try_store import AGAIN, RESUME, STOPPED_LINE
from slipstream.store import dag_runs, previous_runs, rendered_fields, task_instances, task_logs, xcoms
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

log = logging.getLogger("slipstream.executors.store_service")

STARTUP_TIMEOUT = 60.0
READY = b"ready"


@dataclass(frozen=True)
class LiveTry:
    ti_id: int
    try_number: int
    pid: int  # leads the task's process group
    log_path: str


class StoreService:
    """``answer`` one message of a channel; ``tick`` keeps the heartbeats and says when to call
    it again; ``closed`` forgets a channel whose process ended."""

    def __init__(
        self, store: DirectTryStore, heartbeat_sec: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.store = store
        self.heartbeat_sec = heartbeat_sec
        self.clock = clock
        self.live: dict[int, LiveTry] = {}
        self._next_beat = clock() + heartbeat_sec

    def answer(self, channel: int, message: tuple[str, Any]) -> tuple[str, Any]:
        method, kwargs = message
        if method == RESUME:  # a task whose channel to an earlier service broke: its running try
            self.live[channel] = LiveTry(kwargs["ti_id"], kwargs["try_number"], kwargs["pid"], kwargs["log_path"])
            return "ok", None
        if method == AGAIN:  # a call the earlier service may have run
            method, kwargs, generated_run_id = kwargs
            try:
                reply: tuple[str, Any] = "ok", repeat(self.store, method, kwargs, generated_run_id)
            except Exception as error:  # noqa: BLE001 - the task process reports it as its own failure
                reply = "error", f"{type(error).__name__}: {error}"
        else:
            reply = serve_request(self.store, message)
        if method == "claim" and reply[0] == "ok" and reply[1] is not None:
            self.live[channel] = LiveTry(kwargs["ti_id"], kwargs["try_number"], kwargs["pid"], kwargs["log_path"])
        elif method == "finish":
            self.live.pop(channel, None)
        return reply

    def closed(self, channel: int) -> None:
        self.live.pop(channel, None)

    def tick(self) -> float:
        """Beat for every live try when due; the seconds until the next beat."""
        now = self.clock()
        if now >= self._next_beat:
            self._next_beat = now + self.heartbeat_sec
            self.beat()
        return max(self._next_beat - now, 0.0)

    def beat(self) -> None:
        if not self.live:
            return
        beats = {channel: (live.ti_id, live.try_number) for channel, live in self.live.items()}
        try:
            still_running = self.store.heartbeat_many(list(beats.values()))
        except Exception:  # noqa: BLE001 - a missed beat is retried at the next one; the service goes on
            log.exception("Could not record the heartbeats of %s running tries", len(beats))
            return
        for channel, key in beats.items():
            if key not in still_running:
                self._stop(self.live.pop(channel))

    @staticmethod
    def _stop(live: LiveTry) -> None:
        try:
            with open(live.log_path, "a") as log:
                log.write(f"[{time.strftime('%Y-%m-%d %H:%M:%S')}] WARNING - {STOPPED_LINE}\n")
        except OSError:
            pass
        try:
            os.killpg(live.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass


def start(
    database_url: str, heartbeat_sec: float, address: str | None = None
) -> tuple[python_process.Process, socket.socket]:
    """Start the store service; returns its process and the control socket to hand to the fork
    server. The database URL travels on the socket, not the command line (it may hold a password).
    ``address``: a Unix socket name (abstract when it starts with NUL) it also listens on, where a
    task whose channel to an earlier service broke connects again."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    process = python_process.start("slipstream.executors.store_service:main", [str(theirs.fileno())], [theirs.fileno()])
    theirs.close()
    ours.send(pickle.dumps((database_url, heartbeat_sec, address)))
    return process, ours


def wait_ready(process: python_process.Process, ctrl: socket.socket, timeout: float = STARTUP_TIMEOUT) -> None:
    """Wait until the service has its warm connection (it says so on the control socket), so
    that no try's claim waits for it; a service that cannot start is an error here, at once."""
    readable, _, _ = select.select([ctrl], [], [], timeout)
    reply = ctrl.recv(16) if readable else None
    if reply != READY:
        process.kill()
        code = process.wait()
        why = f"it ended with exit code {code} (its error is above)" if reply == b"" else f"no answer within {timeout:g} s"
        raise RuntimeError(f"The store service of the local executor did not start: {why}")


def main(argv: list[str]) -> None:
    """The service process (``argv``: its control socket's descriptor): a warm connection, then
    answer channels until the control socket closes."""
    ctrl = socket.socket(fileno=int(argv[0]))
    database_url, heartbeat_sec, address = pickle.loads(ctrl.recv(1 << 16))
    listener = None
    if address:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(address)
            listener.listen(64)
        except OSError as error:  # tasks whose channel breaks then record their calls directly
            log.warning("The store service cannot listen for tasks that reconnect: %s", error)
            listener.close()
            listener = None
    db = Database(database_url)
    with db.engine.connect() as connection:
        _exercise_statements(connection)
    ctrl.send(READY)
    serve_channels(ctrl, StoreService(DirectTryStore(db), heartbeat_sec), listener)


def _exercise_statements(connection: Any) -> None:
    """Run every statement a try uses, matching no row, and roll back (fills the statement cache)."""
    transaction = connection.begin()
    now = utcnow()
    task_instances.start_try(connection, -1, 1, "warm-up", 0, now)
    dag_runs.row_by_id(connection, -1)
    task_instances.finish_try(connection, -1, 1, "success", now, started_at=now)
    task_instances.heartbeat(connection, -1, 1, now)
    xcoms.push(connection, dag_run_id=-1, dag_id="-", run_id="-", task_id="-", map_index=-1, key="-", value=None, now=now)
    xcoms.pull(connection, dag_id="-", run_id="-", task_id="-", key="-")
    task_logs.record(
        connection, dag_id="-", run_id="-", task_id="-", map_index=-1, try_number=-1, path="-", hostname="-", now=now
    )
    previous_runs.previous_success(connection, "-", now)
    rendered_fields.save(
        connection, dag_id="-", run_id="-", task_id="-", map_index=-1, try_number=-1, fields={}, now=now
    )
    transaction.rollback()
