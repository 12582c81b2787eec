"""Following the logs of every try of one DAG run as they are written (``dags test``'s console).

Each poll reads, through ``task_logs.read_log`` (the reader of the REST API), the new complete
lines of the tries that are running or ended since the last poll, each line labelled with its
task (``extract``, ``transform[3]`` for a mapped instance, ``load (try 2)`` for a retry)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slipstream.services.context import ServiceContext
from slipstream.services.errors import NotFound
from slipstream.services.task_logs import LogLine, read_log
from slipstream.store import run_progress
from slipstream.store.clock import utcnow

# A try's end_date is written by its own process; a little slack for the clocks of two processes.
SLACK = timedelta(seconds=2)

TryKey = tuple[str, int, int]  # task_id, map_index, try_number


def try_label(task_id: str, map_index: int, try_number: int) -> str:
    label = task_id if map_index < 0 else f"{task_id}[{map_index}]"
    return label if try_number <= 1 else f"{label} (try {try_number})"


@dataclass
class RunLogFollower:
    """``poll()`` returns the (label, line) pairs written since the previous poll, in the order
    of the tries, then of the lines."""

    ctx: ServiceContext
    dag_id: str
    run_id: str
    dag_run_id: int
    offsets: dict[TryKey, int] = field(default_factory=dict)
    done: set[TryKey] = field(default_factory=set)
    since: datetime | None = None

    def poll(self) -> list[tuple[str, LogLine]]:
        started = utcnow()
        since = (self.since or started) - SLACK
        with self.ctx.db.read() as session:
            tries = run_progress.tries_writing_or_ended(session, self.dag_run_id, since)
        self.since = started
        found: list[tuple[str, LogLine]] = []
        for task_id, map_index, try_number, _state in tries:
            for key in self._unread(task_id, map_index, try_number):
                found += self._read(key)
        return found

    def _unread(self, task_id: str, map_index: int, try_number: int) -> list[TryKey]:
        """This try, and earlier ones of the same instance not read to their end (a try that
        failed and was retried between two polls)."""
        keys = [(task_id, map_index, n) for n in range(1, try_number + 1)]
        return [key for key in keys if key not in self.done]

    def _read(self, key: TryKey) -> list[tuple[str, LogLine]]:
        task_id, map_index, try_number = key
        try:
            chunk = read_log(self.ctx, self.dag_id, self.run_id, task_id, try_number, map_index=map_index,
                             offset=self.offsets.get(key, 0))
        except NotFound:
            return []
        self.offsets[key] = chunk.next_offset
        if chunk.end_of_log:
            self.done.add(key)
        label = try_label(task_id, map_index, try_number)
        return [(label, line) for line in chunk.lines]
