"""The executor interface and the data that crosses into a task process.

The scheduler hands an executor a ``Workload``: plain data, never a live object. Executors
report each workload's end as an ``ExecutorEvent`` on ``events``; the scheduler blocks on that
queue, so a finished task wakes it at once.
"""

from __future__ import annotations

import abc
import queue
from dataclasses import dataclass
from datetime import datetime

# A task process's exit code when it did not run the try: it was no longer queued for this try
# number (another process claimed it, or it was cleared or adopted meanwhile).
NOT_CLAIMED_EXIT_CODE = 75


class ExecutorStartError(RuntimeError):
    """An executor cannot start (its configuration, or a service it needs): the message says what to do."""


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
    queue: str = "default"  # the operator's queue=: which workers take it (CeleryExecutor)
    file_hash: str | None = None  # the DAG file's version the scheduler saw (executors/workload_json.py)

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


class BaseExecutor(abc.ABC):
    """What every executor offers. Every method but ``wake`` is abstract: an executor says what
    each one does for it (a kill it cannot make is an error it raises, never a silent no-op).

    ``events`` is the one thing an executor shares with the scheduler: each workload's end, and
    ``None`` for a wake-up with no event."""

    # True when tries run on their own (remote workers that record their end): a scheduler that
    # stops leaves them running instead of waiting for them. Each executor sets it.
    tasks_outlive_scheduler: bool

    def __init__(self, parallelism: int) -> None:
        self.parallelism = parallelism
        self.events: queue.Queue[ExecutorEvent | None] = queue.Queue()

    @abc.abstractmethod
    def start(self) -> None:
        """Get ready to run workloads (processes, connections); called again, does nothing."""

    def launch(self) -> None:  # noqa: B027 - a default that does nothing, on purpose
        """Begin ``start`` without waiting for it (e.g. start processes), for a caller with other
        work meanwhile; ``start`` then waits. By default nothing: ``start`` does it all."""

    @abc.abstractmethod
    def queue_workload(self, workload: Workload) -> None:
        """Run ``workload``; its end is reported on ``events`` (``requeue`` if it could not start)."""

    @property
    @abc.abstractmethod
    def running(self) -> int:
        """Workloads started and not yet reported."""

    @abc.abstractmethod
    def tracked(self) -> set[int]:
        """The task instances whose running try this executor watches (it reports their end);
        the scheduler checks the pid of its other running tries itself."""

    def wake(self) -> None:
        """Wake whoever waits on ``events`` without an event (e.g. a new run was triggered)."""
        self.events.put(None)

    @abc.abstractmethod
    def run_callback(self, request: CallbackRequest | DeadlineRequest | TaskCallbackRequest) -> None:
        """Run a DAG callback, a deadline's user code or a task's callbacks in a process of their
        own (user code never runs in the scheduler)."""

    @abc.abstractmethod
    def wait_idle(self, timeout: float | None = None) -> bool:
        """Wait until no workload is running; False if ``timeout`` passed first."""

    @abc.abstractmethod
    def kill(self, ti_id: int) -> None:
        """Kill the process tree of the running workload of task instance ``ti_id``, if any."""

    @abc.abstractmethod
    def terminate(self) -> None:
        """Stop every running workload now (SIGTERM: each try records what it became)."""

    @abc.abstractmethod
    def end(self, timeout: float | None = None) -> None:
        """Wait for running workloads (at most ``timeout``), then release resources."""
