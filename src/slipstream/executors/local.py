"""LocalExecutor: each try in its own process, forked from a warm fork server.

The fork server has already imported the runner and the operators, and each DAG file (at a
given modification time) gets a zygote, forked from the server, that has imported the file: a
task process starts with everything loaded instead of paying for a fresh interpreter and a
parse. Task processes send their store calls to one store service process, so they never load
SQLAlchemy: what they are forked from stays small, and a fork and an exit cost less. Each
child's exit is reported the moment it happens, on ``events``.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
from typing import Any

from slipstream.config import Settings
from slipstream.executors import store_service
from slipstream.executors.base import BaseExecutor, CallbackRequest, DeadlineRequest, ExecutorEvent, Workload
from slipstream.processes.client import ForkServer, ForkServerGone

log = logging.getLogger("slipstream.executors")

PRELOAD = [
    "slipstream.executors.task_process",
    "slipstream.executors.preload",
    "slipstream.operators.bash",
    "slipstream.operators.python",
    "slipstream.operators.empty",
    "slipstream.sdk.decorators",
    "jinja2",
    "jinja2.nativetypes",
    "pendulum",
    "slipstream.timetables.schedule",  # dag_file_settings, around every try: too slow to import after the fork
    "slipstream.sdk.templating",  # every try renders its template fields
]
TARGET = "slipstream.executors.task_process:task_process_main"
CALLBACK_TARGET = "slipstream.executors.task_process:callback_process_main"
PRELOAD_DAG_FILE = "slipstream.executors.preload:preload_dag_file"
REHEARSE = "slipstream.executors.preload:rehearse"


class LocalExecutor(BaseExecutor):
    def __init__(self, settings: Settings, parallelism: int | None = None) -> None:
        super().__init__(parallelism or settings.parallelism)
        self.settings = settings
        self._server: ForkServer | None = None
        self._store_service: subprocess.Popen[bytes] | None = None
        self._running: dict[int, Workload] = {}
        self._lock = threading.Lock()
        self._all_done = threading.Condition(self._lock)
        self._started = False
        self._spawned = 0
        self._callbacks: set[int] = set()
        # One zygote forks and serves every task process of its DAG file; one per core keeps
        # a busy DAG from queueing behind a single process.
        self._zygotes_per_file = max(1, min(os.cpu_count() or 1, 4))

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._store_service, channels = store_service.start(self.settings.sql_alchemy_conn, self.settings.task_heartbeat_sec)
        self._server = ForkServer(PRELOAD, self._on_exit, channels, on_lost=self._on_lost)
        try:
            self._server.call(REHEARSE, ())  # starts it; a fork server started again later rehearses too
            store_service.wait_ready(self._store_service, channels)  # started meanwhile
        finally:
            channels.close()  # the fork server's handle keeps a copy for the servers it starts

    def _server_for_new_work(self) -> ForkServer:
        """The fork server; started again, with a new store service, if the service has died
        (its task processes could not report anything: the scheduler fails or retries them)."""
        self.start()
        assert self._server is not None and self._store_service is not None
        if self._store_service.poll() is not None:
            log.error(
                "The store service of the local executor ended (exit code %s): starting it and the fork server again",
                self._store_service.returncode,
            )
            self._server.close()
            self._started = False
            self.start()
        assert self._server is not None
        return self._server

    def _zygote_for(self, fileloc: str) -> tuple[str, str, tuple[Any, ...]] | None:
        """The zygote (DAG file, its modification time, a shard per core) a child forks from."""
        try:
            mtime = os.stat(fileloc).st_mtime_ns
        except OSError:
            return None
        self._spawned += 1
        key = f"{fileloc}:{mtime}:{self._spawned % self._zygotes_per_file}"
        return (key, PRELOAD_DAG_FILE, (fileloc, self.settings.dagbag_import_timeout))

    def queue_workload(self, workload: Workload) -> None:
        with self._lock:
            try:
                server = self._server_for_new_work()
                request_id = server.spawn(TARGET, (workload, self.settings), self._zygote_for(workload.fileloc))
            except ForkServerGone as gone:
                self.events.put(ExecutorEvent(workload, None, f"not started: {gone}", requeue=True))
                return
            self._running[request_id] = workload

    def run_callback(self, request: CallbackRequest | DeadlineRequest) -> None:
        with self._lock:
            for attempt in (1, 2):  # a fork server that died is started again by the second spawn
                server = self._server_for_new_work()
                try:
                    request_id = server.spawn(CALLBACK_TARGET, (request, self.settings), self._zygote_for(request.fileloc))
                except ForkServerGone:
                    if attempt == 2:
                        raise
                    continue
                self._callbacks.add(request_id)
                return

    def _on_exit(self, request_id: int, exit_code: int) -> None:
        with self._lock:
            workload = self._running.pop(request_id, None)
            self._callbacks.discard(request_id)
            self._all_done.notify_all()
        if workload is None:
            return
        if exit_code < 0:
            detail = f"killed by signal {signal.Signals(-exit_code).name}"
        else:
            detail = f"exit code {exit_code}"
        self.events.put(ExecutorEvent(workload, exit_code, detail))

    def _on_lost(self, request_id: int, reason: str) -> None:
        """A request never started (its zygote died first), or the fork server died and its end
        will not be known: the scheduler runs it again, or watches the process that claimed it."""
        with self._lock:
            workload = self._running.pop(request_id, None)
            callback = request_id in self._callbacks
            self._callbacks.discard(request_id)
            self._all_done.notify_all()
        if callback:
            log.warning("A DAG callback's process was lost: %s", reason)
        if workload is not None:
            log.warning("%s: %s; the scheduler runs it again unless it was claimed", workload.label, reason)
            self.events.put(ExecutorEvent(workload, None, reason, requeue=True))

    def kill(self, ti_id: int) -> None:
        with self._lock:
            request_ids = [rid for rid, workload in self._running.items() if workload.ti_id == ti_id]
        for request_id in request_ids:
            if self._server is not None:
                self._server.kill(request_id, signal.SIGKILL)

    def terminate(self) -> None:
        with self._lock:
            request_ids = list(self._running)
        for request_id in request_ids:
            if self._server is not None:
                self._server.kill(request_id, signal.SIGTERM)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._lock:
            return self._all_done.wait_for(lambda: not self._running and not self._callbacks, timeout)

    def end(self, timeout: float | None = None) -> None:
        self.wait_idle(timeout)
        if self._server is not None:
            self._server.close()
            self._server.kill_lost_children()  # those of fork servers that died: none outlives a stop
        if self._store_service is not None:
            try:
                self._store_service.wait(5)  # it ends when the fork server and its zygotes are gone
            except subprocess.TimeoutExpired:
                self._store_service.kill()
                self._store_service.wait()
