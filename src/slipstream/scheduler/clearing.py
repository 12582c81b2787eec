"""Which task instances ``tasks clear`` takes: by task pattern, run, dates, state and relatives."""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.store import dag_runs, task_instances
from slipstream.store.states import TaskInstanceState as TI


def relatives(dag: SerializedDag, task_ids: set[str], direction: str) -> set[str]:
    found: set[str] = set()
    stack = list(task_ids)
    while stack:
        for other in getattr(dag.tasks[stack.pop()], direction):
            if other not in found:
                found.add(other)
                stack.append(other)
    return found


def select_to_clear(
    session: Session,
    dag: SerializedDag,
    *,
    task_regex: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    upstream: bool = False,
    downstream: bool = False,
    only_failed: bool = False,
    only_running: bool = False,
    run_id: str | None = None,
    task_ids: Collection[str] | None = None,
    map_indexes: Mapping[str, Collection[int]] | None = None,
) -> list[Any]:
    """The task instance rows to clear; raises ValueError for a bad pattern. ``task_ids`` (exact
    ids) narrows the tasks as ``task_regex`` does; ``map_indexes`` narrows the named tasks (not
    their relatives) to some of their instances."""
    try:
        pattern = re.compile(task_regex) if task_regex else None
    except re.error as err:
        raise ValueError(f"--task-regex {task_regex!r} is not a valid regular expression: {err}") from None
    named = {t for t in dag.tasks if (pattern is None or pattern.search(t)) and (task_ids is None or t in task_ids)}
    selected = set(named)
    if dag.setup_teardown is not None:
        # As Airflow: a task is cleared with the setups it needs and their teardowns.
        selected |= dag.setup_teardown.also_clear(selected, upstream=upstream, downstream=downstream)
    if upstream:
        selected |= relatives(dag, selected, "upstream")
    if downstream:
        selected |= relatives(dag, selected, "downstream")
    runs = [
        r for r in dag_runs.list_runs(session, dag.dag_id)
        if (run_id is None or r.run_id == run_id)
        and (start is None or (r.logical_date is not None and r.logical_date >= start))
        and (end is None or (r.logical_date is not None and r.logical_date <= end))
    ]
    states: set[str] | None = None
    if only_failed:
        states = {TI.FAILED.value, TI.UPSTREAM_FAILED.value}
    if only_running:
        states = (states or set()) | {TI.RUNNING.value}
    rows: list[Any] = []
    for row in task_instances.of_runs(session, [r.id for r in runs]):
        if row.task_id not in selected or row.state == TI.NONE.value or (states is not None and row.state not in states):
            continue
        if map_indexes and row.task_id in named and row.task_id in map_indexes:
            if row.map_index not in map_indexes[row.task_id]:
                continue
        rows.append(row)
    return rows
