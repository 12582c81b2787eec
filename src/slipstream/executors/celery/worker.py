"""What runs inside ``slipstream celery worker``: the Celery tasks, and the local executor they
hand each try to, so a try runs exactly as on one machine (its own process, forked from a warm
process that has imported the DAG file; store calls through the worker's store service).

Celery's thread pool takes ``worker_concurrency`` messages at once; each thread waits for its
try's process to end and returns how it ended (the scheduler's executor reads it as an
``ExecutorEvent``). As a try ends, the worker wakes the schedulers (``store/wakeups``: NOTIFY on
PostgreSQL), so the next task starts without waiting for a poll.
"""

from __future__ import annotations

import logging
import signal
import socket
import threading
from typing import Any

from celery import Celery
from celery.worker.control import control_command

from slipstream.config import Settings
from slipstream.executors.base import ExecutorEvent, Workload
from slipstream.executors.celery.app import EXECUTE_WORKLOAD, KILL_COMMAND, RUN_CALLBACK
from slipstream.executors.local import LocalExecutor
from slipstream.executors.workload_json import WorkloadError, load_request, load_workload
from slipstream.store import wakeups
from slipstream.store.db import Database

log = logging.getLogger("slipstream.executors.celery")

_runtime: WorkerRuntime | None = None


class WorkerRuntime:
    """The worker's local executor, and the threads waiting on its tries."""

    def __init__(self, settings: Settings, concurrency: int) -> None:
        self.settings = settings
        self.executor = LocalExecutor(settings, parallelism=concurrency)
        self.db = Database(settings.sql_alchemy_conn)
        self._waiting: dict[tuple[int, int, Any], tuple[threading.Event, list[ExecutorEvent]]] = {}
        self._lock = threading.Lock()
        self._reader: threading.Thread | None = None

    def start(self) -> None:
        self.executor.start()
        self._reader = threading.Thread(target=self._read_events, name="slipstream-worker-events", daemon=True)
        self._reader.start()

    def _read_events(self) -> None:
        while True:
            event = self.executor.events.get()
            if event is None:
                return
            with self._lock:
                waiter = self._waiting.pop(_key(event.workload), None)
            if waiter is not None:
                waiter[1].append(event)
                waiter[0].set()
            self._wake_schedulers()

    def _wake_schedulers(self) -> None:
        try:
            wakeups.send(self.db, "task ended")
        except Exception as err:  # noqa: BLE001 - a lost wake-up only waits for the schedulers' next poll
            log.warning("Could not wake the schedulers: %s", err)

    def run(self, payload: str) -> dict[str, Any]:
        """Run the workload sent as ``payload``; how its process ended."""
        try:
            workload = load_workload(payload, self.settings)
        except WorkloadError as err:
            log.error("Not run: %s", err)
            return {"exit_code": 1, "detail": f"on {socket.gethostname()}: {err}", "requeue": False}
        done, found = threading.Event(), []
        with self._lock:
            self._waiting[_key(workload)] = (done, found)
        self.executor.queue_workload(workload)
        done.wait()
        event = found[0]
        return {"exit_code": event.exit_code, "detail": event.detail, "requeue": event.requeue}

    def run_callback(self, payload: str) -> None:
        self.executor.run_callback(load_request(payload, self.settings))

    def kill(self, ti_id: int, sig: int) -> bool:
        if ti_id not in self.executor.tracked():
            return False
        self.executor.kill(ti_id, sig)
        return True

    def stop(self) -> None:
        """Let the running tries end (Celery's warm shutdown waits for them), then stop the processes."""
        self.executor.end(timeout=10)
        self.executor.events.put(None)
        self.db.dispose()


def _key(workload: Workload) -> tuple[int, int, Any]:
    return (workload.ti_id, workload.try_number, workload.queued_at)


def register(app: Celery, runtime: WorkerRuntime) -> None:
    """The worker's Celery tasks, answered by ``runtime``."""
    global _runtime
    _runtime = runtime

    @app.task(name=EXECUTE_WORKLOAD, acks_late=True)
    def execute_workload(payload: str) -> dict[str, Any]:
        return runtime.run(payload)

    @app.task(name=RUN_CALLBACK, acks_late=True)
    def run_callback(payload: str) -> None:
        runtime.run_callback(payload)


@control_command(name=KILL_COMMAND, args=[("ti_id", int), ("signal_name", str)], signature="<ti_id> <signal_name>")
def slipstream_kill(state: Any, ti_id: int, signal_name: str = "SIGKILL") -> dict[str, Any]:
    """Broadcast by the scheduler's executor (``kill``, ``terminate``): each worker stops the
    process tree of that task instance's try if it runs it."""
    if _runtime is None:
        return {"ok": False}
    return {"ok": _runtime.kill(ti_id, signal.Signals[signal_name])}

