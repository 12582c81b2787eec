"""depends_on_past and wait_for_downstream: what the previous run of a DAG holds back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from slipstream.store.states import TaskInstanceState as TI

PAST_DONE = frozenset({TI.SUCCESS.value, TI.SKIPPED.value})
PAST_REASONS = ("depends_on_past:", "wait_for_downstream:")


def depends_on_past_of(task: Any) -> bool:
    return bool(task.data.get("depends_on_past") or task.data.get("wait_for_downstream"))


@dataclass
class PastRun:
    """The previous run of a DAG run (Airflow's ``PrevDagrunDep``): its run_id (None when there
    is none) and the states of its task instances by task id."""

    run_id: str | None
    states: dict[str, list[str]]

    def _state(self, task_id: str) -> str | None:
        found = self.states.get(task_id)
        if not found:
            return None
        return next((s for s in found if s not in PAST_DONE), found[0])

    def holds_back(self, task: Any) -> str | None:
        """Why ``task`` must wait (depends_on_past / wait_for_downstream), or None if it may run."""
        if self.run_id is None:
            return None  # the first run of the DAG is free
        state = self._state(task.task_id)
        if state is None:
            if task.data.get("ignore_first_depends_on_past", True):
                return None  # the task did not exist in the previous run: its first run is free
            return (f"depends_on_past: task {task.task_id} has no task instance in the previous run {self.run_id} "
                    "(ignore_first_depends_on_past is off)")
        if state not in PAST_DONE:
            return f"depends_on_past: task {task.task_id} in the previous run {self.run_id} is {state}"
        if task.data.get("wait_for_downstream"):
            for down in task.downstream:
                down_state = self._state(down)
                if down_state not in PAST_DONE:
                    return (f"wait_for_downstream: task {down} (downstream of {task.task_id}) in the previous run "
                            f"{self.run_id} is {down_state or 'missing'}")
        return None
