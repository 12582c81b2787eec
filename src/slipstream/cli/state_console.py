"""The state lines of ``scheduler`` and ``standalone``: every state change of runs and tasks, in
the order it happened.

The scheduler tells what it changes (scheduled, queued, a run's state, a try's end as its
process reports it), but a task process records ``running`` and its own end in the store, so
the scheduler may learn of a failure after it has already failed the run. The lines are
therefore printed by one thread that also reads the store: it prints ``running`` for every try
that started (polling the running task instances), prints a try's start before its end, and,
before a run's final line, the final states of the run's tasks not printed yet, in the order
they ended. A state already printed is not printed again.

A ``running`` found by polling may be older than lines printed since: each line is held for
``HOLD_SECONDS`` and lines are printed in the order of their times, so that the console reads
in the order things happened (a task instance's lines, and a run's final line after its tasks',
keep their order whatever the clocks say).
"""

from __future__ import annotations

import functools
import heapq
import itertools
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from slipstream.store.states import FINISHED_RUN_STATES, TaskInstanceState

RUNNING = TaskInstanceState.RUNNING.value
# Task states a try reaches only after it ran (its process started).
AFTER_RUNNING = {TaskInstanceState.SUCCESS.value, TaskInstanceState.FAILED.value, TaskInstanceState.UP_FOR_RETRY.value}
FINISHED_RUNS = {state.value for state in FINISHED_RUN_STATES}
POLL_SECONDS = 0.25
HOLD_SECONDS = 0.4  # longer than a poll: a try's start found by the next poll is printed in its place
NEVER = datetime.min.replace(tzinfo=UTC)

Key = tuple[str, str, str, int]  # dag_id, run_id, task_id, map_index
# echo(line, state, is a run's line, when it happened or None for now)
Echo = Callable[[str, str, bool, datetime | None], None]


class StateLines:
    """``on_change`` for the scheduler; prints through ``echo`` on a thread of its own."""

    def __init__(self, db: Any, echo: Echo) -> None:
        self.db = db
        self.echo = echo
        self._changes: queue.Queue[tuple[str, Any, datetime] | None] = queue.Queue()
        self._printed: dict[Key, tuple[int, str]] = {}  # the last (try, state) printed of each task instance
        # Lines held until HOLD_SECONDS have passed: (time, sequence, line, state, is a run's line)
        self._held: list[tuple[datetime, int, str, str, bool]] = []
        self._sequence = itertools.count()
        self._latest: dict[tuple[str, ...], datetime] = {}  # per task instance and per run: its latest line's time
        self._thread = threading.Thread(target=self._loop, name="state-lines", daemon=True)

    def start(self) -> StateLines:
        self._thread.start()
        return self

    def on_change(self, kind: str, item: Any) -> None:
        self._changes.put((kind, item, datetime.now(UTC)))  # when the scheduler made the change

    def stop(self) -> None:
        """Print what is left, then end the thread."""
        self._changes.put(None)
        self._thread.join(10)

    def _loop(self) -> None:
        polled = 0.0
        while True:
            changes = self._waiting_changes()
            stopping = None in changes
            for change in changes:
                if change is not None:  # the scheduler's changes first: they came before what a poll finds now
                    self._guarded(lambda change=change: self._print_change(*change))
            if stopping or time.monotonic() - polled >= POLL_SECONDS:
                self._guarded(self._print_started)
                polled = time.monotonic()
            self._release(None if stopping else datetime.now(UTC) - timedelta(seconds=HOLD_SECONDS))
            if stopping:
                return

    def _waiting_changes(self) -> list[tuple[str, Any, datetime] | None]:
        """The changes given since the last look (waiting a little for one)."""
        try:
            changes = [self._changes.get(timeout=POLL_SECONDS / 2)]
        except queue.Empty:
            return []
        while True:
            try:
                changes.append(self._changes.get_nowait())
            except queue.Empty:
                return changes

    def _hold(
        self, line: str, state: str, is_run: bool, when: datetime | None, key: tuple[str, ...],
        run: tuple[str, str] | None = None,
    ) -> None:
        """Hold a line to print it in time order, never before an earlier line of ``key`` (its task
        instance, or its run); a task instance's line also holds back its ``run``'s next line."""
        at = max(when or datetime.now(UTC), self._latest.get(key, NEVER))
        self._latest[key] = at
        if run is not None:
            self._latest[run] = max(at, self._latest.get(run, NEVER))
        heapq.heappush(self._held, (at, next(self._sequence), line, state, is_run))

    def _release(self, until: datetime | None) -> None:
        """Print the held lines up to ``until`` (all with None), oldest first."""
        while self._held and (until is None or self._held[0][0] <= until):
            at, _, line, state, is_run = heapq.heappop(self._held)
            self._guarded(functools.partial(self.echo, line, state, is_run, at))

    def _guarded(self, step: Callable[[], None]) -> None:
        try:
            step()
        except Exception:  # noqa: BLE001 - a console line must never stop the scheduler
            import logging

            logging.getLogger("slipstream.cli").exception("Printing a state change failed")

    def _print_started(self) -> None:
        from slipstream.store import task_instances

        with self.db.read() as session:
            rows = task_instances.in_states(session, [RUNNING])
        for row in sorted(rows, key=lambda r: (r.start_date is None, r.start_date or NEVER)):
            self._task_line(row, RUNNING, row.start_date)

    def _print_change(self, kind: str, item: Any, at: datetime) -> None:
        from slipstream.store import task_instances

        if kind == "dag_run":
            dag_id, run_id, state = item
            if state in FINISHED_RUNS:
                with self.db.read() as session:
                    rows = task_instances.for_run(session, dag_id, run_id)
                ended = [r for r in rows if r.state not in (RUNNING,) and r.end_date is not None]
                for row in sorted(ended, key=lambda r: r.end_date):
                    self._task_line(row, row.state, row.end_date)
            self._hold(f"DAG run {dag_id} {run_id}: {state}", state, True, at, (dag_id, run_id))
            return
        dag_id, run_id, task_id, map_index, state = item
        key = (dag_id, run_id, task_id, map_index)
        row = None
        if state in AFTER_RUNNING:  # which try ended, and when it started
            with self.db.read() as session:
                row = task_instances.find(session, task_instances.TaskInstanceKey(*key))
        if row is None:
            self._print(key, self._printed.get(key, (0, ""))[0], state, at)
            return
        self._task_line(row, state, row.end_date)

    def _task_line(self, row: Any, state: str, when: datetime | None) -> None:
        key = (row.dag_id, row.run_id, row.task_id, row.map_index)
        try_number = int(row.try_number or 0)
        if state in AFTER_RUNNING and row.start_date is not None:
            self._print(key, try_number, RUNNING, row.start_date)
        self._print(key, try_number, state, when)

    def _print(self, key: Key, try_number: int, state: str, when: datetime | None) -> None:
        last = self._printed.get(key)
        if last == (try_number, state):
            return
        if state == RUNNING and last is not None and last[0] == try_number and last[1] in AFTER_RUNNING:
            return  # this try's end is printed already
        self._printed[key] = (try_number, state)
        dag_id, run_id, task_id, map_index = key
        index = f"[{map_index}]" if map_index >= 0 else ""
        line = f"{dag_id}.{task_id}{index} {run_id}: {state}"
        self._hold(line, state, False, when, (dag_id, run_id, task_id, str(map_index)), (dag_id, run_id))
