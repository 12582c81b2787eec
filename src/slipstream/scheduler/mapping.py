"""How many instances a mapped task expands into, counted from the store.

Literal lists are counted when the DAG file is parsed; a task's output is counted here once
that task has finished: the length of the list or dict it returned, or, for a mapped upstream,
how many of its instances pushed a value.
"""

from __future__ import annotations

from typing import Any

from slipstream.dagfiles.serialization import SerializedDag, SerializedTask
from slipstream.store import xcoms
from slipstream.store.states import FINISHED_TI_STATES
from slipstream.store.states import TaskInstanceState as TI

_FINISHED = frozenset(s.value for s in FINISHED_TI_STATES)


class MappingError(ValueError):
    """The input of a mapped task cannot be expanded; the message says why."""


def expansion_length(session: Any, run: Any, dag: SerializedDag, task: SerializedTask, max_map_length: int) -> int:
    """The number of instances of ``task`` in ``run``: the product of its inputs' lengths."""
    total = 1
    for source in task.data["mapped"]["sources"]:
        total *= _source_length(session, run, dag, task, source)
    if total > max_map_length:
        raise MappingError(
            f"Task {task.task_id!r} would expand into {total} instances, more than max_map_length "
            f"({max_map_length}); raise [core] max_map_length or split the input"
        )
    return total


def _source_length(session: Any, run: Any, dag: SerializedDag, task: SerializedTask, source: dict[str, Any]) -> int:
    if "literal" in source:
        return source["literal"]
    if "zip" in source:
        lengths = [_source_length(session, run, dag, task, s) for s in source["zip"]]
        if not lengths:
            return 0
        return max(lengths) if source["longest"] else min(lengths)
    upstream_id, key = source["xcom"]
    upstream = dag.tasks.get(upstream_id)
    where = {"dag_id": run.dag_id, "run_id": run.run_id, "task_id": upstream_id, "key": key}
    if upstream is not None and upstream.data.get("mapped"):
        return xcoms.count_mapped(session, **where)
    value = xcoms.pull(session, **where, map_index=-1)
    if value is None:
        return 0
    if isinstance(value, list | dict):
        return len(value)
    raise MappingError(
        f"Task {task.task_id!r} expands over the output of {upstream_id!r}, which is "
        f"{type(value).__name__}, not a list or a dict"
    )


def _source_task_ids(source: dict[str, Any]) -> list[str]:
    if "xcom" in source:
        return [source["xcom"][0]]
    return [task_id for inner in source.get("zip", ()) for task_id in _source_task_ids(inner)]


def sources_finished(task: SerializedTask, states: dict[str, list[str]]) -> bool:
    """Every task whose output ``task`` expands over has finished (a task inside a mapped task
    group may have no edge to the group's input, so its trigger rule does not say so)."""
    for source in task.data["mapped"]["sources"]:
        for task_id in _source_task_ids(source):
            if not all(s in _FINISHED for s in states.get(task_id, (TI.NONE.value,))):
                return False
    return True


def group_upstream_states(
    dag: SerializedDag,
    task: SerializedTask,
    map_index: int,
    states: dict[str, list[str]],
    rows_by_task: dict[str, list[Any]],
    positions: dict[str, dict[int, int]],
) -> list[str]:
    """The upstream states a task of a mapped task group decides on: an upstream in the same
    group counts only its instance with the same map_index; the placeholder (-1) of a task
    waits only for what is outside the group."""
    group = task.data["mapped_group"]
    found: list[str] = []
    for up in task.upstream:
        upstream = dag.tasks.get(up)
        same_group = upstream is not None and upstream.data.get("mapped_group") == group
        if not same_group:
            found.extend(states.get(up, (TI.NONE.value,)))
        elif map_index >= 0:
            found.append(_instance_state(up, map_index, states, rows_by_task, positions))
    return found


def _instance_state(
    task_id: str,
    map_index: int,
    states: dict[str, list[str]],
    rows_by_task: dict[str, list[Any]],
    positions: dict[str, dict[int, int]],
) -> str:
    rows = rows_by_task.get(task_id, [])
    task_states = states.get(task_id, [])
    if len(rows) != len(task_states):
        return TI.NONE.value  # expanded in this very pass: its instances are decided next pass
    if task_id not in positions:
        positions[task_id] = {row.map_index: i for i, row in enumerate(rows)}
    where = positions[task_id]
    if map_index in where:
        return task_states[where[map_index]]
    return TI.NONE.value if -1 in where else TI.REMOVED.value
