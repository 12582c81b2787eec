"""How setups, teardowns and the work between them relate in a serialized DAG.

The scheduler asks which setups a task waits for and which tasks a teardown must wait for;
the run's state is decided from leaves that skip teardowns; clearing a task also clears the
setups it needs and their teardowns. All of it is read from the task graph once per DAG
version and kept (``SerializedDag.setup_teardown``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any


class SetupTeardownGraph:
    """The setup/teardown relations of one DAG. ``tasks``: task_id -> serialized task, each
    with ``upstream``/``downstream`` lists and the ``is_setup``/``is_teardown`` marks."""

    def __init__(self, tasks: Mapping[str, Any]) -> None:
        self.tasks = tasks
        self.setups = frozenset(t for t, task in tasks.items() if task.data.get("is_setup"))
        self.teardowns = frozenset(t for t, task in tasks.items() if task.data.get("is_teardown"))
        self.teardowns_failing_run = frozenset(
            t for t in self.teardowns if tasks[t].data.get("on_failure_fail_dagrun")
        )
        self._above: dict[str, frozenset[str]] = {}
        self._below: dict[str, frozenset[str]] = {}
        self._indirect_setups: dict[str, list[str]] = {}
        self._scopes: dict[str, list[str]] = {}

    @classmethod
    def of(cls, tasks: Mapping[str, Any]) -> SetupTeardownGraph | None:
        """The relations, or None when the DAG has no setup and no teardown (nothing changes then)."""
        if not any(t.data.get("is_setup") or t.data.get("is_teardown") for t in tasks.values()):
            return None
        return cls(tasks)

    # --- the graph ------------------------------------------------------------------------------

    def above(self, task_id: str) -> frozenset[str]:
        """Every task upstream of ``task_id``, however far."""
        return self._closure(task_id, "upstream", self._above)

    def below(self, task_id: str) -> frozenset[str]:
        """Every task downstream of ``task_id``, however far."""
        return self._closure(task_id, "downstream", self._below)

    def _closure(self, task_id: str, direction: str, memo: dict[str, frozenset[str]]) -> frozenset[str]:
        if task_id in memo:
            return memo[task_id]
        found: set[str] = set()
        stack = list(self.tasks[task_id].data[direction])
        while stack:
            other = stack.pop()
            if other in found:
                continue
            found.add(other)
            if other in memo:
                found |= memo[other]
            else:
                stack.extend(self.tasks[other].data[direction])
        memo[task_id] = frozenset(found)
        return memo[task_id]

    def _teardowns_of(self, setup_id: str) -> list[str]:
        return [t for t in self.tasks[setup_id].data["downstream"] if t in self.teardowns]

    # --- what the scheduler asks ------------------------------------------------------------------

    def direct_setups(self, task_id: str) -> list[str]:
        """The setups right upstream of a task (a teardown runs if one of them succeeded)."""
        return [t for t in self.tasks[task_id].data["upstream"] if t in self.setups]

    def relevant_setups(self, task_id: str) -> Iterable[str]:
        """The setups upstream of a task that it needs: those torn down below it, or never torn down."""
        below_teardowns = self.below(task_id) & self.teardowns
        for setup_id in sorted(self.above(task_id) & self.setups):
            teardowns = self._teardowns_of(setup_id)
            if not teardowns or below_teardowns.intersection(teardowns):
                yield setup_id

    def indirect_setups(self, task_id: str) -> list[str]:
        """The setups a work task needs that are not right upstream of it: all must have
        succeeded before it runs, even when its own trigger rule would let it run without them."""
        if task_id not in self._indirect_setups:
            direct = set(self.tasks[task_id].data["upstream"])
            needed = [] if task_id in self.teardowns else self.relevant_setups(task_id)
            self._indirect_setups[task_id] = [s for s in needed if s not in direct]
        return self._indirect_setups[task_id]

    def teardown_scope(self, task_id: str) -> list[str]:
        """For a teardown: the tasks between its setups and it that are not right upstream of it.
        It runs only once they are all finished."""
        if task_id not in self._scopes:
            scope: set[str] = set()
            if task_id in self.teardowns:
                indirect = self.above(task_id) - set(self.tasks[task_id].data["upstream"])
                for setup_id in self.direct_setups(task_id):
                    scope |= indirect & self.below(setup_id)
            self._scopes[task_id] = sorted(scope)
        return self._scopes[task_id]

    @cached_property
    def run_state_leaves(self) -> list[str]:
        """The tasks whose states decide the run's: the leaves once the teardowns that do not
        fail the run are left out (a task followed only by such teardowns counts as a leaf)."""

        def ignored(task_id: str) -> bool:
            return task_id in self.teardowns and task_id not in self.teardowns_failing_run

        leaves = [
            task_id
            for task_id, task in self.tasks.items()
            if not ignored(task_id) and all(ignored(d) for d in task.data["downstream"])
        ]
        return leaves or [t for t, task in self.tasks.items() if not task.data["downstream"]]

    # --- what clearing takes along ------------------------------------------------------------------

    def setups_and_teardowns_for(self, task_id: str) -> set[str]:
        """The setups a task needs and their teardowns: cleared with the task so it runs again
        with what it needs set up, and that is torn down after."""
        found: set[str] = set()
        for setup_id in self.relevant_setups(task_id):
            found.add(setup_id)
            found.update(t for t in self._teardowns_of(setup_id) if t != task_id)
        return found

    def also_clear(self, task_ids: Iterable[str], upstream: bool, downstream: bool) -> set[str]:
        """What clearing ``task_ids`` (with their upstream or downstream tasks) takes along."""
        chosen = set(task_ids)
        found: set[str] = set()
        marked = self.setups | self.teardowns
        for task_id in chosen:
            if downstream:
                for below in self.below(task_id):
                    found.add(below)
                    if below not in chosen and below not in marked:
                        found |= self.setups_and_teardowns_for(below)
            if upstream:
                for above in self.above(task_id):
                    found.add(above)
                    if above in self.setups:
                        found.update(t for t in self._teardowns_of(above) if t != task_id)
            elif task_id not in marked:
                found |= self.setups_and_teardowns_for(task_id)
            if task_id in self.setups and not downstream:
                found.update(self._teardowns_of(task_id))
        return found - chosen
