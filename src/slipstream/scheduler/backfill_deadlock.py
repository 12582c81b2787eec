"""A backfill that can never finish: its runs wait on something no pass will ever change.

The typical case is ``depends_on_past``: the first interval's task failed, so the next run's task
waits for it forever, and every later run waits behind that one. ``DeadlockWatch.check`` is
asked after each pass of the backfill's scheduler; it calls the backfill deadlocked when no
process of the backfill is running, none of its runs has a task instance that can still move by
itself (scheduled, queued, running, up for retry or reschedule), the runs' states and counts did
not change between two checks, and no run waits on a previous run outside the backfill that is
still going (another scheduler may finish that one). The runs are left as they are: fixing or
clearing what they wait on lets a scheduler take them on.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.store import dag_runs, task_instances
from slipstream.store.db import Database
from slipstream.store.states import FINISHED_RUN_STATES, FINISHED_TI_STATES, DagRunState
from slipstream.store.states import TaskInstanceState as TI

FINISHED_RUNS = {s.value for s in FINISHED_RUN_STATES}
SETTLED_TIS = {s.value for s in FINISHED_TI_STATES} | {TI.NONE.value}
SHOWN = 10  # runs, and tasks of a run, listed before "... and N more"


@dataclass(frozen=True)
class StuckRun:
    run_id: str
    state: str
    waits: list[tuple[str, str]] = field(default_factory=list)  # (task, on what)


@dataclass(frozen=True)
class Deadlock:
    dag_id: str
    runs: list[StuckRun]
    run_limit: int

    def report(self) -> str:
        lines = [f"Backfill of {self.dag_id} is deadlocked: {len(self.runs)} run(s) wait, and no task can run."]
        for run in self.runs[:SHOWN]:
            lines.append(f"  {run.run_id} ({run.state}):")
            if run.state == DagRunState.QUEUED.value:
                lines.append(f"    waits for a free slot: at most {self.run_limit} backfill run(s) at once, "
                             "all taken by the waiting runs above")
            for task, why in run.waits[:SHOWN]:
                lines.append(f"    {task}: {why}")
            if len(run.waits) > SHOWN:
                lines.append(f"    ... and {len(run.waits) - SHOWN} more task(s)")
        if len(self.runs) > SHOWN:
            lines.append(f"  ... and {len(self.runs) - SHOWN} more run(s)")
        lines.append(
            "Fix or clear the task instances they wait on (slipstream tasks clear), then run the backfill again; "
            "or run it again with -I (--ignore-depends-on-past). The runs are left as they are."
        )
        return "\n".join(lines)


class DeadlockWatch:
    """Asked after each pass; returns a ``Deadlock`` once the backfill's runs can never move."""

    def __init__(self, db: Database, dag: SerializedDag, keys: Sequence[tuple[str, str]], run_limit: int) -> None:
        self.db = db
        self.dag = dag
        self.keys = set(keys)
        self.run_limit = run_limit
        self._last: Any = None

    def check(self, runs: Sequence[Any], busy: bool) -> Deadlock | None:
        """``runs``: the backfill's run rows as read now; ``busy``: a process of it is running."""
        unfinished = sorted((r for r in runs if r is not None and r.state not in FINISHED_RUNS),
                            key=lambda r: (r.logical_date is None, r.logical_date, r.id))
        if busy or not unfinished:
            self._last = None
            return None
        with self.db.read() as session:
            counts = task_instances.state_counts(session, [r.id for r in unfinished])
            if any(state not in SETTLED_TIS for _, _, state, _ in counts):
                self._last = None
                return None
            signature = (tuple((r.id, r.state) for r in unfinished), tuple(sorted(counts)))
            if signature != self._last:
                self._last = signature  # seen once: a deadlock only if the next pass changes nothing
                return None
            stuck = []
            for run in unfinished:
                if run.state == DagRunState.RUNNING.value:
                    previous = dag_runs.previous(session, run.dag_id, run.logical_date, run.id)
                    if (previous is not None and previous.state not in FINISHED_RUNS
                            and (run.dag_id, previous.run_id) not in self.keys):
                        return None  # it waits on a run another scheduler may still finish
                    rows = [r for r in task_instances.for_run(session, run.dag_id, run.run_id) if r.state == TI.NONE.value]
                    stuck.append(StuckRun(run.run_id, run.state, [self._wait(r) for r in rows]))
                else:
                    stuck.append(StuckRun(run.run_id, run.state))
        return Deadlock(self.dag.dag_id, stuck, self.run_limit)

    def _wait(self, row: Any) -> tuple[str, str]:
        name = row.task_id + (f"[{row.map_index}]" if row.map_index >= 0 else "")
        if row.state_reason:
            return name, row.state_reason
        task = self.dag.tasks.get(row.task_id)
        upstream = ", ".join(task.upstream) if task is not None and task.upstream else "its upstream tasks"
        return name, f"waits for its upstream task(s) {upstream}"
