"""InlineExecutor: runs each workload at once in the calling process (tests, debugging)."""

from __future__ import annotations

from slipstream.config import Settings
from slipstream.executors.base import (
    BaseExecutor,
    CallbackRequest,
    DeadlineRequest,
    ExecutorEvent,
    TaskCallbackRequest,
    Workload,
)
from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_runner import run_task
from slipstream.store.db import Database


class InlineExecutor(BaseExecutor):
    """No process, no parallelism: the try runs inside ``queue_workload``."""

    tasks_outlive_scheduler = False

    def __init__(self, settings: Settings, db: Database | None = None) -> None:
        super().__init__(parallelism=1)
        self.settings = settings
        self.db = db

    def start(self) -> None:
        return None

    @property
    def running(self) -> int:
        return 0

    def tracked(self) -> set[int]:
        return set()  # a try runs inside queue_workload: none is ever running when asked

    def wait_idle(self, timeout: float | None = None) -> bool:
        return True

    def kill(self, ti_id: int) -> None:
        raise NotImplementedError("the InlineExecutor runs each try in the calling thread: it cannot kill one")

    def terminate(self) -> None:
        return None  # nothing runs between calls

    def end(self, timeout: float | None = None) -> None:
        return None

    def run_callback(self, request: CallbackRequest | DeadlineRequest | TaskCallbackRequest) -> None:
        from slipstream.runner.dag_callbacks import run_callback_request

        run_callback_request(request, self.settings)

    def queue_workload(self, workload: Workload) -> None:
        run_task(workload, self.settings, DirectTryStore(self.db) if self.db is not None else None)
        self.events.put(ExecutorEvent(workload, 0))
