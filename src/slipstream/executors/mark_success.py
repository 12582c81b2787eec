"""``dags test --mark-success-pattern``: the tries of the tasks whose id matches the pattern
whole are recorded as successful without running, as Airflow's ``dags test`` does (to step over
a sensor or a clean-up while testing); every other workload goes to the executor it wraps."""

from __future__ import annotations

import os
import re
import socket

from slipstream.executors.base import (
    BaseExecutor,
    CallbackRequest,
    DeadlineRequest,
    ExecutorEvent,
    TaskCallbackRequest,
    Workload,
)
from slipstream.runner.direct_store import DirectTryStore
from slipstream.sdk.task_log import format_line
from slipstream.store.clock import utcnow
from slipstream.store.db import Database
from slipstream.store.log_paths import log_file


class MarkSuccessExecutor(BaseExecutor):
    def __init__(self, inner: BaseExecutor, pattern: re.Pattern[str], db: Database, base_log_folder: str) -> None:
        super().__init__(inner.parallelism)
        self.inner, self.pattern, self.base_log_folder = inner, pattern, base_log_folder
        self.store = DirectTryStore(db)
        self.events = inner.events  # one queue: the scheduler reads this one
        self.tasks_outlive_scheduler = inner.tasks_outlive_scheduler

    def queue_workload(self, workload: Workload) -> None:
        if self.pattern.fullmatch(workload.task_id) is None:
            self.inner.queue_workload(workload)
            return
        self._mark_success(workload)
        self.events.put(ExecutorEvent(workload, 0))

    def _mark_success(self, workload: Workload) -> None:
        """Claim the try and end it as a success, with one line in its log saying why."""
        now = utcnow()
        key = (workload.dag_id, workload.run_id, workload.task_id, workload.map_index)
        path = log_file(self.base_log_folder, *key, workload.try_number)
        claim = self.store.claim(
            ti_id=workload.ti_id, try_number=workload.try_number, hostname=socket.gethostname(), pid=os.getpid(),
            now=now, key=key, log_path=path,
        )
        if claim is None:
            return  # no longer this try's (cleared meanwhile): the scheduler's event handling says so
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "a", encoding="utf-8") as log:
            log.write(format_line(
                f"Marked success without running: its task id matches --mark-success-pattern {self.pattern.pattern!r}",
                "INFO", "mark_success.py:0",
            ))
        self.store.finish(
            ti_id=workload.ti_id, try_number=workload.try_number, dag_run_id=claim.dag_run["id"], key=key,
            state="success", xcom_values=(), next_try_at=None, reason=None, started_at=now,
        )

    def start(self) -> None:
        self.inner.start()

    def launch(self) -> None:
        self.inner.launch()

    @property
    def running(self) -> int:
        return self.inner.running

    def tracked(self) -> set[int]:
        return self.inner.tracked()

    def run_callback(self, request: CallbackRequest | DeadlineRequest | TaskCallbackRequest) -> None:
        self.inner.run_callback(request)

    def wait_idle(self, timeout: float | None = None) -> bool:
        return self.inner.wait_idle(timeout)

    def kill(self, ti_id: int) -> None:
        self.inner.kill(ti_id)

    def terminate(self) -> None:
        self.inner.terminate()

    def end(self, timeout: float | None = None) -> None:
        self.inner.end(timeout)
