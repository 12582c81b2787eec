"""The executor interface and the data that crosses into a task process.

The scheduler hands an executor a ``Workload``: plain data, never a live object. Executors
report each workload's end as an ``ExecutorEvent`` on ``events``; the scheduler blocks on that
queue, so a finished task wakes it at once.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Workload:
    """One try of one task instance, as the runner needs it."""

    ti_id: int
    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    fileloc: str
    dag_hash: str | None = None
    queued_at: datetime | None = None  # when the scheduler dispatched it: tells dispatches of one try apart

    @property
    def label(self) -> str:
        suffix = f"[{self.map_index}]" if self.map_index >= 0 else ""
        return f"{self.dag_id}.{self.task_id}{suffix} run={self.run_id} try={self.try_number}"


@dataclass(frozen=True)
class CallbackRequest:
    """Run a DAG's on_success_callback or on_failure_callback for a finished run."""

    dag_id: str
    run_id: str
    fileloc: str
    success: bool
    reason: str


@dataclass(frozen=True)
class DeadlineRequest:
    """A deadline of a DAG run needs user code: ``evaluate`` its custom reference, or ``alert``
    (it was missed: run its callback). Run in a process like a DAG callback."""

    deadline_id: int
    dag_id: str
    run_id: str
    fileloc: str
    action: str

    @property
    def log_name(self) -> str:
        return "deadline_callbacks.log"


@dataclass(frozen=True)
class TaskCallbackRequest:
    """The scheduler failed a try (its process died, it stopped heartbeating, it overran its
    timeout): the task's on_failure_callback or on_retry_callback and its alert mail, which the
    try could not run itself, run in a process of their own (``runner/task_callbacks.py``)."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    try_number: int
    fileloc: str
    state: str  # what the try became: failed or up_for_retry
    reason: str
    hostname: str = ""


@dataclass(frozen=True)
class ExecutorEvent:
    """A workload's process has ended with ``exit_code`` (negative: killed by that signal).

    ``requeue``: the executor could not start the workload, or lost sight of its process (a
    zygote or fork server died first; ``exit_code`` is None, ``detail`` says why). No process
    of it ran the try unless one claimed it: a try still ``queued`` goes back to ``scheduled``
    with its try number handed back (no try is counted); a try some process claimed is left to
    that process, and the scheduler watches it as it does any try its executor does not track.
    """

    workload: Workload
    exit_code: int | None
    detail: str = ""
    requeue: bool = False


class BaseExecutor:
    """start, queue_workload, events, terminate, end: what every executor offers."""

    def __init__(self, parallelism: int) -> None:
        self.parallelism = parallelism
        self.events: queue.Queue[ExecutorEvent | None] = queue.Queue()

    def start(self) -> None:
        return None

    def queue_workload(self, workload: Workload) -> None:
        raise NotImplementedError

    @property
    def running(self) -> int:
        """Workloads started and not yet reported."""
        raise NotImplementedError

    def tracked(self) -> set[int]:
        """The task instances whose running process this executor watches (it reports their end);
        the scheduler checks the pid of its other running tries itself."""
        return set()

    def wake(self) -> None:
        """Wake whoever waits on ``events`` without an event (e.g. a new run was triggered)."""
        self.events.put(None)

    def run_callback(self, request: CallbackRequest | DeadlineRequest) -> None:
        """Run a DAG callback, or a deadline's user code, in a process of its own (user code never
        runs in the scheduler)."""
        import logging

        logging.getLogger("slipstream.executors").warning(
            "%s cannot run DAG callbacks; the callback of %s %s is not run", type(self).__name__, request.dag_id,
            request.run_id,
        )

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no workload is running; False if ``timeout`` passed first."""
        return True

    def kill(self, ti_id: int) -> None:
        """Kill the process tree of the running workload of task instance ``ti_id``, if any."""
        return None

    def terminate(self) -> None:
        """Stop every running workload now."""
        return

    def end(self) -> None:
        """Wait for running workloads, then release resources."""
        return
