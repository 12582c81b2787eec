"""The states of one run's task instances, for the UI's graph to colour its nodes while the run
runs: every task's state, a mapped task's instances counted by state, and each task group's
state (the state that matters most among its instances, as in the grid).

Two light queries (the run by its id, and its instances counted by task and state) and the
cached structure of the DAG: cheap enough to poll every second or two for a DAG of 1,000 tasks
or a task mapped 100,000 ways (the count, never the instances, crosses the wire).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from slipstream.services.context import ServiceContext
from slipstream.services.errors import NotFound
from slipstream.services.grid import summary_state
from slipstream.services.structure import GROUP, Node, dag_structure
from slipstream.store import run_states as run_store
from slipstream.store import task_instances


@dataclass(frozen=True)
class RunStates:
    """``task_states``: {task id: state} of every task with an instance in the run ('none': not
    yet decided; a mapped task: the state that matters most among its instances);
    ``group_states``: the same for task groups with an instance inside; ``counts``: mapped tasks'
    and groups' instances by state."""

    dag_id: str
    run_id: str
    run_state: str
    start_date: datetime | None
    end_date: datetime | None
    task_states: dict[str, str]
    group_states: dict[str, str]
    counts: dict[str, dict[str, int]]


def run_states(ctx: ServiceContext, dag_id: str, run_id: str) -> RunStates:
    """NotFound for an unknown DAG or run."""
    shape = dag_structure(ctx, dag_id)
    with ctx.db.read() as session:
        run = run_store.run_row(session, dag_id, run_id)
        if run is None:
            raise NotFound(f"DAG run {run_id!r} of DAG {dag_id!r} not found")
        counted = task_instances.state_counts(session, [run.id])
    per_task: dict[str, dict[str, int]] = {}
    for _, task_id, state, count in counted:
        states = per_task.setdefault(task_id, {})
        states[state] = states.get(state, 0) + count
    task_states: dict[str, str] = {}
    group_states: dict[str, str] = {}
    counts: dict[str, dict[str, int]] = {}
    for node in shape.nodes:
        _visit(node, per_task, task_states, group_states, counts)
    # Instances of tasks the DAG no longer has (state 'removed') still show in the task states.
    for task_id, states in per_task.items():
        if task_id not in task_states:
            task_states[task_id] = summary_state(states) or "none"
    return RunStates(dag_id=dag_id, run_id=run.run_id, run_state=run.state, start_date=run.start_date,
                     end_date=run.end_date, task_states=task_states, group_states=group_states, counts=counts)


def _visit(node: Node, per_task: Mapping[str, dict[str, int]], task_states: dict[str, str],
           group_states: dict[str, str], counts: dict[str, dict[str, int]]) -> dict[str, int]:
    """Record the node's state (and counts) and return its instances by state."""
    if node.type != GROUP:
        found = per_task.get(node.id) or {}
        if found:
            task_states[node.id] = summary_state(found) or "none"
            if node.is_mapped:
                counts[node.id] = found
        return found
    summed: dict[str, int] = {}
    for child in node.children or ():
        for state, count in _visit(child, per_task, task_states, group_states, counts).items():
            summed[state] = summed.get(state, 0) + count
    if summed:
        group_states[node.id] = summary_state(summed) or "none"
        counts[node.id] = summed
    return summed
