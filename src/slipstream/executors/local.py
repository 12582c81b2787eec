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
import secrets
import signal
import socket
import subprocess
import threading
from typing import Any

from slipstream.config import Settings
from slipstream.executors import store_service
from slipstream.executors.base import (
    NOT_CLAIMED_EXIT_CODE,
    BaseExecutor,
    CallbackRequest,
    DeadlineRequest,
    ExecutorEvent,
    TaskCallbackRequest,
    Workload,
)
from slipstream.executors.workload_json import dump_request, dump_workload
from slipstream.processes import python_process
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
CONFIGURE = "slipstream.executors.task_process:configure"
PRELOAD_DAG_FILE = "slipstream.executors.preload:preload_dag_file"
REHEARSE = "slipstream.executors.preload:rehearse"


class LocalExecutor(BaseExecutor):
    tasks_outlive_scheduler = False

    def __init__(self, settings: Settings, parallelism: int | None = None) -> None:
        super().__init__(parallelism or settings.parallelism)
        self.settings = settings
        self._server: ForkServer | None = None
        self._store_service: python_process.Process | None = None
        self._running: dict[int, Workload] = {}
        self._lock = threading.Lock()
        self._all_done = threading.Condition(self._lock)
        self._started = False
        self._launched: socket.socket | None = None  # the store service's control socket, until started
        self._spawned = 0
        self._callbacks: set[int] = set()
        # Fork servers replaced with their store service (it died), kept until each child they
        # ran then has been reported ended: (server, its last request id, those children).
        self._retired: list[tuple[ForkServer, int, set[int]]] = []
        self._ending = False
        # Where every store service of this executor listens, so that a task whose service died
        # connects to the next one (an abstract Unix socket name: nothing on disk).
        self._address = f"\0slipstream-store-{os.getpid()}-{secrets.token_hex(6)}"
        self._task_settings = settings.replace(store_service_address=self._address)
        # One zygote forks and serves every task process of its DAG file; one per core keeps
        # a busy DAG from queueing behind a single process.
        self._zygotes_per_file = max(1, min(os.cpu_count() or 1, 4))

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._running)

    def tracked(self) -> set[int]:
        # No lock: the scheduler asks inside its write transaction, and a restart of the store
        # service holds the lock until the new service has warmed up on the database.
        return {workload.ti_id for workload in list(self._running.values())}

    def launch(self) -> None:
        """Start the store service and the fork server processes without waiting for them to be
        ready (``start`` waits): a caller with other work meanwhile starts them early, in its own
        thread (forked from a warm process, ``processes/python_process.py``, that takes a few ms)."""
        if self._launched is not None or self._started:
            return
        self._store_service, channels = store_service.start(
            self.settings.sql_alchemy_conn, self.settings.task_heartbeat_sec, self._address
        )
        first_id = self._server.last_request_id if self._server is not None else 0
        self._server = ForkServer(PRELOAD, self._on_exit, channels, on_lost=self._on_lost, first_request_id=first_id)
        self._launched = channels
        self._server.launch()

    def start(self) -> None:
        if self._started:
            return
        self.launch()
        channels, self._launched = self._launched, None
        assert channels is not None and self._server is not None and self._store_service is not None
        self._started = True
        try:
            self._server.call(CONFIGURE, (self._task_settings,))  # starts it: the settings every task process gets
            self._server.call(REHEARSE, ())  # a fork server started again later runs both again
            store_service.wait_ready(self._store_service, channels)  # started meanwhile
        finally:
            channels.close()  # the fork server's handle keeps a copy for the servers it starts
        threading.Thread(
            target=self._restart_when_gone, args=(self._store_service,), name="store-service-watch", daemon=True
        ).start()

    def _restart_when_gone(self, process: python_process.Process) -> None:
        """The store service died while this executor runs: start it again at once, with a fork
        server for new work. Running tasks go on, recording their calls directly in the database;
        the old fork server stays until they have ended, to report their exits."""
        code = process.wait()
        with self._lock:
            if self._ending or process is not self._store_service:
                return
            log.error(
                "The store service of the local executor ended (exit code %s): starting it again; running tasks "
                "connect to the new one", code,
            )
            try:
                self._replace_services()
            except Exception:  # noqa: BLE001 - the next workload tries again (_server_for_new_work)
                log.exception("Could not start the store service again")

    def _replace_services(self) -> None:
        old = self._server
        self._started = False
        self.start()
        if old is not None:
            last_id = old.last_request_id
            children = {rid for rid in (*self._running, *self._callbacks) if rid <= last_id}
            self._retired.append((old, last_id, children))
            self._close_idle_retired(None)

    def _close_idle_retired(self, ended: int | None) -> None:
        """Close the replaced fork servers whose children have all been reported ended (lock
        held). One with a child it could not report (lost with a fork server that died) stays
        until the executor ends: that child may run on, and the scheduler watches it by pid."""
        for entry in list(self._retired):
            server, _, children = entry
            if ended is not None:
                children.discard(ended)
            if not children:
                self._retired.remove(entry)
                threading.Thread(target=server.close, name="forkserver-close", daemon=True).start()

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
            self._replace_services()
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
                payload = dump_workload(workload, self.settings)
                request_id = server.spawn(TARGET, (payload,), self._zygote_for(workload.fileloc))
            except ForkServerGone as gone:
                self.events.put(ExecutorEvent(workload, None, f"not started: {gone}", requeue=True))
                return
            self._running[request_id] = workload

    def run_callback(self, request: CallbackRequest | DeadlineRequest | TaskCallbackRequest) -> None:
        payload = dump_request(request, self.settings)
        with self._lock:
            for attempt in (1, 2):  # a fork server that died is started again by the second spawn
                server = self._server_for_new_work()
                try:
                    request_id = server.spawn(CALLBACK_TARGET, (payload,), self._zygote_for(request.fileloc))
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
            if self._retired:
                self._close_idle_retired(request_id)
            self._all_done.notify_all()
        if workload is None:
            return
        if exit_code == NOT_CLAIMED_EXIT_CODE:
            self.events.put(ExecutorEvent(workload, exit_code, "the try was no longer queued for it", requeue=True))
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

    def kill(self, ti_id: int, sig: int = signal.SIGKILL) -> None:
        # No lock, as in ``tracked``: called inside the scheduler's write transaction.
        request_ids = [rid for rid, workload in list(self._running.items()) if workload.ti_id == ti_id]
        for request_id in request_ids:
            self._server_of(request_id).kill(request_id, sig)

    def terminate(self) -> None:
        with self._lock:
            request_ids = list(self._running)
        for request_id in request_ids:
            self._server_of(request_id).kill(request_id, signal.SIGTERM)

    def _server_of(self, request_id: int) -> ForkServer:
        """The fork server that started ``request_id`` (a replaced one, or the current one)."""
        for server, last_id, _ in list(self._retired):
            if request_id <= last_id:
                return server
        assert self._server is not None
        return self._server

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._lock:
            return self._all_done.wait_for(lambda: not self._running and not self._callbacks, timeout)

    def end(self, timeout: float | None = None) -> None:
        self.wait_idle(timeout)
        with self._lock:
            self._ending = True
            retired, self._retired = self._retired, []
        for server, _, _ in retired:
            server.close()
            server.kill_lost_children()
        if self._server is not None:
            self._server.close()
            self._server.kill_lost_children()  # those of fork servers that died: none outlives a stop
        if self._store_service is not None:
            try:
                self._store_service.wait(5)  # it ends when the fork server and its zygotes are gone
            except subprocess.TimeoutExpired:
                self._store_service.kill()
                self._store_service.wait()
