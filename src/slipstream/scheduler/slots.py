"""Slot accounting for dispatch: parallelism, max_active_tasks, pools, and per-task limits.

One ``SlotBudget`` is built per dispatch from what is queued and running now; ``admit`` books a
slot everywhere the task instance needs one, or says why it has to wait.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from slipstream.config import Settings
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.store import pools, task_instances


class SlotBudget:
    def __init__(self, session: Session, settings: Settings, max_active_tasks: Callable[[str], int]) -> None:
        active = task_instances.active_rows(session)
        self.capacity = settings.parallelism - len(active)
        self.max_active_tasks = max_active_tasks
        self.per_dag = Counter(r.dag_id for r in active)
        self.per_task = Counter((r.dag_id, r.task_id) for r in active)
        self.per_task_run = Counter((r.dag_id, r.run_id, r.task_id) for r in active)
        self.pool_slots = pools.slots(session)
        self.pool_held: Counter[str] = Counter()
        for row in active:
            self.pool_held[row.pool] += row.pool_slots

    def full_dags(self) -> list[str]:
        return [dag_id for dag_id, n in self.per_dag.items() if n >= self.max_active_tasks(dag_id)]

    def full_pools(self) -> list[str]:
        return [name for name, size in self.pool_slots.items() if self.pool_held[name] >= size]

    def admit(self, row: Any, dag: SerializedDag) -> str | None:
        """Book the slots ``row`` needs and return None, or return why it waits.

        A reason that only time fixes (a slot is busy) starts with "wait:"; one that needs a
        person (a missing or too small pool) does not, and is shown to users."""
        if self.capacity <= 0:
            return "wait: parallelism reached"
        if self.per_dag[row.dag_id] >= self.max_active_tasks(row.dag_id):
            return "wait: max_active_tasks reached"
        task = dag.tasks.get(row.task_id)
        if task is None:
            return "wait: task not in the DAG"
        if row.pool not in self.pool_slots:
            return (
                f"Pool {row.pool!r} does not exist: the task waits until it is created "
                f"(slipstream pools set {row.pool} SLOTS DESCRIPTION)"
            )
        size = self.pool_slots[row.pool]
        if row.pool_slots > size:
            return f"The task needs {row.pool_slots} slots but pool {row.pool!r} has only {size}"
        if self.pool_held[row.pool] + row.pool_slots > size:
            return "wait: pool full"
        per_dag_limit = task.data.get("max_active_tis_per_dag")
        if per_dag_limit is not None and self.per_task[(row.dag_id, row.task_id)] >= per_dag_limit:
            return "wait: max_active_tis_per_dag reached"
        per_run_limit = task.data.get("max_active_tis_per_dagrun")
        if per_run_limit is not None and self.per_task_run[(row.dag_id, row.run_id, row.task_id)] >= per_run_limit:
            return "wait: max_active_tis_per_dagrun reached"
        self.capacity -= 1
        self.per_dag[row.dag_id] += 1
        self.per_task[(row.dag_id, row.task_id)] += 1
        self.per_task_run[(row.dag_id, row.run_id, row.task_id)] += 1
        self.pool_held[row.pool] += row.pool_slots
        return None
