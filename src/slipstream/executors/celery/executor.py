"""CeleryExecutor: the scheduler sends each try, as JSON, to a Celery queue (the operator's
``queue=``, else ``[celery] default_queue``); ``slipstream celery worker`` processes on any
machine run them (``executors/celery/worker.py``). The end of each try comes back through
Celery's result backend, read by a thread here every ``POLL_SECONDS`` and put on ``events``.
"""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any

from slipstream.config import Settings
from slipstream.executors.base import (
    BaseExecutor,
    CallbackRequest,
    DeadlineRequest,
    ExecutorEvent,
    ExecutorStartError,
    TaskCallbackRequest,
    Workload,
)
from slipstream.executors.celery.app import (
    EXECUTE_WORKLOAD,
    KILL_COMMAND,
    RUN_CALLBACK,
    check_settings,
    make_app,
    make_url_safe,
)
from slipstream.executors.workload_json import dump_request, dump_workload

log = logging.getLogger("slipstream.executors.celery")

POLL_SECONDS = 0.2
CONNECT_TIMEOUT = 10.0


class CeleryExecutor(BaseExecutor):
    tasks_outlive_scheduler = True

    def __init__(self, settings: Settings, parallelism: int | None = None) -> None:
        super().__init__(parallelism or settings.parallelism)
        self.settings = settings
        self.app: Any = None
        self._in_flight: dict[str, tuple[Workload, Any]] = {}  # Celery task id -> (workload, AsyncResult)
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None

    def start(self) -> None:
        if self.app is not None:
            return
        check_settings(self.settings)
        self.app = make_app(self.settings, "slipstream-scheduler")
        try:
            with self.app.connection_for_write() as connection:
                connection.ensure_connection(max_retries=3, interval_start=0.2, timeout=CONNECT_TIMEOUT)
        except Exception as err:
            self.app = None
            raise ExecutorStartError(
                f"Cannot reach the Celery broker {make_url_safe(self.settings.celery_broker_url)} ([celery] "
                f"broker_url): {err}"
            ) from err
        self._poller = threading.Thread(target=self._poll, name="celery-results", daemon=True)
        self._poller.start()

    @property
    def running(self) -> int:
        with self._lock:
            return len(self._in_flight)

    def tracked(self) -> set[int]:
        return {workload.ti_id for workload, _ in list(self._in_flight.values())}

    def queue_workload(self, workload: Workload) -> None:
        self.start()
        try:
            result = self.app.send_task(
                EXECUTE_WORKLOAD, args=[dump_workload(workload, self.settings)], queue=workload.queue
            )
        except Exception as err:  # noqa: BLE001 - the broker refused or is gone: the try goes back to scheduled
            self.events.put(ExecutorEvent(workload, None, f"not sent to the Celery broker: {err}", requeue=True))
            return
        with self._lock:
            self._in_flight[result.id] = (workload, result)

    def run_callback(self, request: CallbackRequest | DeadlineRequest | TaskCallbackRequest) -> None:
        self.start()
        self.app.send_task(RUN_CALLBACK, args=[dump_request(request, self.settings)], queue=self.settings.celery_default_queue)

    def _poll(self) -> None:
        while not self._stop.wait(POLL_SECONDS):
            with self._lock:
                in_flight = list(self._in_flight.items())
            for task_id, (workload, result) in in_flight:
                try:
                    event = self._event_of(workload, result)
                except Exception as err:  # noqa: BLE001 - the backend is unreachable for now: read again later
                    log.warning("Cannot read the Celery result of %s: %s", workload.label, err)
                    break
                if event is None:
                    continue
                with self._lock:
                    self._in_flight.pop(task_id, None)
                    self._idle.notify_all()
                self.events.put(event)
                try:
                    result.forget()
                except Exception:  # noqa: BLE001,S110 - it expires anyway (result_expires)
                    pass

    @staticmethod
    def _event_of(workload: Workload, result: Any) -> ExecutorEvent | None:
        state = result.state
        if state == "SUCCESS":
            value = result.result or {}
            return ExecutorEvent(workload, value.get("exit_code"), value.get("detail", ""), bool(value.get("requeue")))
        if state in ("FAILURE", "REVOKED"):
            return ExecutorEvent(workload, 1, f"the Celery task ended {state}: {result.result!r}")
        return None

    def _broadcast_kill(self, ti_ids: list[int], sig: signal.Signals) -> None:
        if self.app is None:
            return
        for ti_id in ti_ids:
            self.app.control.broadcast(KILL_COMMAND, arguments={"ti_id": ti_id, "signal_name": sig.name})

    def kill(self, ti_id: int) -> None:
        """Every worker is asked to kill that try's process tree (the one that runs it does)."""
        self._broadcast_kill([ti_id], signal.SIGKILL)

    def terminate(self) -> None:
        self._broadcast_kill(sorted(self.tracked()), signal.SIGTERM)

    def wait_idle(self, timeout: float | None = None) -> bool:
        with self._lock:
            return self._idle.wait_for(lambda: not self._in_flight, timeout)

    def end(self, timeout: float | None = None) -> None:
        """Wait for the tries sent (at most ``timeout``); those still running go on on their
        workers, and record their own end: another scheduler, or this one started again, sees it."""
        self.wait_idle(timeout)
        self._stop.set()
        if self._poller is not None:
            self._poller.join(5)
        if self.app is not None:
            self.app.close()
