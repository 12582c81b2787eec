"""How many instances a mapped task expands into, counted from the store.

Literal lists are counted when the DAG file is parsed; a task's output is counted here once
that task has finished: the length of the list or dict it returned, or, for a mapped upstream,
how many of its instances pushed a value.
"""

from __future__ import annotations

from typing import Any

from slipstream.dagfiles.serialization import SerializedDag, SerializedTask
from slipstream.store import xcoms


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


def sources_of(task: SerializedTask) -> list[str]:
    """The tasks whose outputs a mapped task expands over."""
    return [task_id for source in task.data["mapped"]["sources"] for task_id in _source_task_ids(source)]
