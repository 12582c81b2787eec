"""Helpers shared by the stepped-scheduler tests."""

from __future__ import annotations

from datetime import datetime

from slipstream.executors.base import BaseExecutor, Workload
from slipstream.store import dag_runs, task_instances


class RecordingExecutor(BaseExecutor):
    """Starts nothing: records the workloads so a test decides what happens to them."""

    tasks_outlive_scheduler = False

    def __init__(self) -> None:
        super().__init__(parallelism=1000)
        self.queued: list[Workload] = []

        self.callbacks: list[object] = []
        self.killed: list[int] = []

    def start(self) -> None:
        return None

    @property
    def running(self) -> int:
        return len(self.queued)

    def tracked(self) -> set[int]:
        return set()  # no process: the scheduler's liveness checks treat every try as untracked

    def queue_workload(self, workload: Workload) -> None:
        self.queued.append(workload)

    def run_callback(self, request: object) -> None:
        self.callbacks.append(request)

    def wait_idle(self, timeout: float | None = None) -> bool:
        return not self.queued

    def kill(self, ti_id: int) -> None:
        self.killed.append(ti_id)

    def terminate(self) -> None:
        self.queued.clear()

    def end(self, timeout: float | None = None) -> None:
        return None

    def succeed_first(self, db, count: int, now: datetime) -> None:
        """Finish the ``count`` oldest recorded workloads with success."""
        done, self.queued = self.queued[:count], self.queued[count:]
        with db.write() as session:
            for w in done:
                task_instances.finish_try(session, w.ti_id, w.try_number, "success", now, expected=("queued", "running"))

    def succeed_all(self, db, now: datetime) -> None:
        """Finish every recorded workload with success, as if its process had run it."""
        with db.write() as session:
            for w in self.queued:
                task_instances.finish_try(session, w.ti_id, w.try_number, "success", now, expected=("queued", "running"))
        self.queued.clear()


def states(db, dag_id: str, run_id: str) -> dict[str, str]:
    with db.read() as session:
        return {ti.task_id: ti.state for ti in task_instances.for_run(session, dag_id, run_id)}


def run_state(db, dag_id: str, run_id: str) -> str:
    with db.read() as session:
        return dag_runs.get(session, dag_id, run_id).state
