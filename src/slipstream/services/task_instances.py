"""Reading task instances: one, a filtered page, the instances of a mapped task, a run's states.

A task instance is answered with what the store keeps of its current try, its run's dates, and
what the serialized DAG says of its task (display name, operator, executor); fields Slipstream
does not have (DAG versions, triggers of deferred tasks, when it was scheduled) are None.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, NotFound
from slipstream.services.paging import Page
from slipstream.store import dag_runs, dags, mapped_summary
from slipstream.store import task_instance_listing as listing
from slipstream.store.states import TaskInstanceState as TI

# Airflow's state filter names "no state yet" so; the store says ``none``.
NO_STATE_NAMES = frozenset({"none", "null", "no_status"})
STATES = frozenset(s.value for s in TI)


@dataclass(frozen=True)
class TaskInstance:
    """One task instance, in the fields (and names) of Airflow's TaskInstanceResponse."""

    id: str
    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    logical_date: datetime | None
    run_after: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    state: str | None
    try_number: int
    max_tries: int
    task_display_name: str
    dag_display_name: str
    hostname: str | None
    unixname: str | None
    pool: str
    pool_slots: int
    queue: str | None
    priority_weight: int | None
    operator: str | None
    operator_name: str | None
    queued_when: datetime | None
    scheduled_when: datetime | None
    pid: int | None
    executor: str | None
    executor_config: str
    note: str | None
    rendered_map_index: str | None
    rendered_fields: dict[str, Any]
    trigger: None = None
    triggerer_job: None = None
    dag_version: None = None


def ti_uuid(ti_id: int) -> str:
    """The id the API shows for a task instance: Airflow's are UUIDs, ours integers; this one is
    stable and reversible (``uuid.UUID(text).int``)."""
    return str(uuid.UUID(int=ti_id))


def api_state(state: str) -> str | None:
    return None if state == TI.NONE.value else state


def store_states(states: Sequence[str | None]) -> list[str]:
    """Airflow's state names (``none``/null for no state) as the store keeps them; unknown ones
    are a 400."""
    found = []
    for state in states:
        name = TI.NONE.value if state is None or state.lower() in NO_STATE_NAMES else state.lower()
        if name not in STATES:
            raise InvalidRequest(f"Unknown task instance state {state!r}: use one of {', '.join(sorted(STATES))}")
        found.append(name)
    return found


def order_by_of(fields: Sequence[str], default: Sequence[str] = ("map_index",)) -> list[tuple[str, bool]]:
    """``["-start_date", "map_index"]`` as (field, descending) pairs; an unknown field is a 400."""
    found = []
    for item in [f for f in fields if f] or default:
        name, desc = (item[1:], True) if item.startswith("-") else (item, False)
        if name not in listing.ORDERABLE:
            raise InvalidRequest(
                f"Cannot order task instances by {name!r}: use one of {', '.join(sorted(listing.ORDERABLE))}, "
                "with a leading '-' for descending"
            )
        found.append((name, desc))
    return found


def build(session: Session, rows: Sequence[Any], with_rendered_fields: bool = True) -> list[TaskInstance]:
    """Store rows (with their run's dates) as TaskInstances, with three queries for the whole page."""
    dag_ids = sorted({r.dag_id for r in rows})
    names = listing.dag_names(session, dag_ids)
    tasks = listing.serialized_tasks(session, dag_ids)
    rendered = (
        listing.rendered_fields(session, [(r.dag_id, r.run_id, r.task_id, r.map_index, r.try_number) for r in rows])
        if with_rendered_fields else {}
    )
    found = []
    for r in rows:
        task = tasks.get(r.dag_id, {}).get(r.task_id, {})
        executor_config = task.get("executor_config") or {}
        found.append(TaskInstance(
            id=ti_uuid(r.id), task_id=r.task_id, dag_id=r.dag_id, dag_run_id=r.run_id, map_index=r.map_index,
            logical_date=r.logical_date, run_after=r.run_after, start_date=r.start_date, end_date=r.end_date,
            duration=r.duration, state=api_state(r.state), try_number=r.try_number, max_tries=r.max_tries,
            task_display_name=task.get("task_display_name") or r.task_id,
            dag_display_name=names.get(r.dag_id, r.dag_id), hostname=r.hostname, unixname=None, pool=r.pool,
            pool_slots=r.pool_slots, queue=r.queue, priority_weight=r.priority_weight, operator=r.operator,
            operator_name=task.get("operator") or r.operator, queued_when=r.queued_at, scheduled_when=None,
            pid=r.pid, executor=task.get("executor"),
            executor_config=executor_config if isinstance(executor_config, str) else json.dumps(executor_config),
            note=r.note, rendered_map_index=r.rendered_map_index,
            rendered_fields=rendered.get((r.dag_id, r.run_id, r.task_id, r.map_index, r.try_number)) or {},
        ))
    return found


def check_run(session: Session, dag_id: str, run_id: str) -> Any:
    """The run, or NotFound naming what is missing (the DAG or the run)."""
    run = dag_runs.get(session, dag_id, run_id)
    if run is None:
        if dags.get_dag(session, dag_id) is None:
            raise NotFound(f"DAG {dag_id!r} not found")
        raise NotFound(f"DAG run {run_id!r} of DAG {dag_id!r} not found")
    return run


def list_task_instances(
    ctx: ServiceContext, spec: listing.TaskInstanceFilter, *, order_by: Sequence[str] = (), limit: int = 50,
    offset: int = 0, default_order: Sequence[str] = ("map_index",),
) -> Page[TaskInstance]:
    """A page of the task instances ``spec`` selects; a named DAG run that does not exist is a 404."""
    ordering = order_by_of(order_by, default_order)
    with ctx.db.read() as session:
        if spec.dag_id is not None and spec.run_id is not None:
            check_run(session, spec.dag_id, spec.run_id)
        elif spec.dag_id is not None and dags.get_dag(session, spec.dag_id) is None:
            raise NotFound(f"DAG {spec.dag_id!r} not found")
        rows, total = listing.page(session, spec, ordering, limit, offset)
        return Page(build(session, rows), total or 0)


def list_mapped(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, spec: listing.TaskInstanceFilter, *,
    order_by: Sequence[str] = (), limit: int = 50, offset: int = 0,
) -> Page[TaskInstance]:
    """A page of the instances of a mapped task (map_index 0 and up), by map index by default."""
    spec = replace(spec, dag_id=dag_id, run_id=run_id, task_ids=(task_id,), mapped_only=True)
    ordering = order_by_of(order_by)
    with ctx.db.read() as session:
        check_run(session, dag_id, run_id)
        rows, total = listing.page(session, spec, ordering, limit, offset)
        if not total:
            instances = listing.of_task(session, dag_id, run_id, task_id)
            if not instances:
                raise NotFound(f"Task {task_id!r} has no instance in DAG run {run_id!r} of DAG {dag_id!r}")
            if all(i.map_index < 0 for i in instances):
                raise NotFound(f"Task {task_id!r} is not mapped (or not expanded yet) in DAG run {run_id!r}: read its "
                               "instance at .../taskInstances/{task_id}")
        return Page(build(session, rows), total or 0)


def get_task_instance(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, map_index: int = -1) -> TaskInstance:
    with ctx.db.read() as session:
        return build(session, [find_row(session, dag_id, run_id, task_id, map_index)])[0]


def find_row(session: Session, dag_id: str, run_id: str, task_id: str, map_index: int) -> Any:
    """The task instance's row (with its run's dates), or NotFound saying what is missing."""
    row = listing.one(session, dag_id, run_id, task_id, map_index)
    if row is not None:
        return row
    run = check_run(session, dag_id, run_id)
    mapped = sum(mapped_summary.counts_by_state(session, run.id, task_id).values())  # a count, not the rows
    if map_index == -1 and mapped:
        raise NotFound(
            f"Task {task_id!r} is mapped ({mapped} instances in run {run_id!r}): add the map index to the "
            "path (.../taskInstances/{task_id}/{map_index}) or list them with .../listMapped"
        )
    if mapped or listing.one(session, dag_id, run_id, task_id, -1) is not None:
        raise NotFound(f"Task {task_id!r} of DAG run {run_id!r} has no instance with map index {map_index}")
    raise NotFound(f"Task instance {task_id!r} of DAG run {run_id!r} of DAG {dag_id!r} not found")


@dataclass(frozen=True)
class RunTaskState:
    """One line of ``tasks states-for-dag-run``."""

    dag_id: str
    logical_date: datetime | None
    task_id: str
    map_index: int
    rendered_map_index: str | None
    state: str
    try_number: int
    start_date: datetime | None
    end_date: datetime | None
    reason: str | None


def states_for_dag_run(ctx: ServiceContext, dag_id: str, run_id: str) -> list[RunTaskState]:
    """Every task instance of one run with its state and why it waits or how its last try ended."""
    from slipstream.store import task_instances

    with ctx.db.read() as session:
        run = dag_runs.get(session, dag_id, run_id)
        if run is None:
            raise NotFound(f"DAG run {run_id!r} of DAG {dag_id!r} not found (see `slipstream dags list-runs {dag_id}`)")
        return [
            RunTaskState(
                dag_id=ti.dag_id, logical_date=run.logical_date, task_id=ti.task_id, map_index=ti.map_index,
                rendered_map_index=ti.rendered_map_index, state=ti.state, try_number=ti.try_number,
                start_date=ti.start_date, end_date=ti.end_date, reason=ti.state_reason,
            )
            for ti in task_instances.for_run(session, dag_id, run_id)
        ]


def task_ids_of_group(ctx: ServiceContext, dag_id: str | None, group_id: str, narrowed: Sequence[str] = ()) -> tuple[str, ...]:
    """The tasks of a DAG inside task group ``group_id`` (nested groups included), within
    ``narrowed`` if given."""
    if dag_id is None:
        raise InvalidRequest("task_group_id needs a DAG: name one instead of ~ in the path")
    with ctx.db.read() as session:
        tasks = listing.serialized_tasks(session, [dag_id]).get(dag_id)
    if tasks is None:
        raise NotFound(f"DAG {dag_id!r} not found")
    found = tuple(
        task_id for task_id, task in tasks.items()
        if (task.get("task_group") or "") == group_id or (task.get("task_group") or "").startswith(group_id + ".")
    )
    if narrowed:
        found = tuple(t for t in found if t in narrowed)
    if not found:
        raise NotFound(f"DAG {dag_id!r} has no task in task group {group_id!r}")
    return found


def instance_exists(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, map_index: int | None) -> bool:
    """Whether the task has an instance in the run (that one, or any with ``map_index`` None)."""
    with ctx.db.read() as session:
        instances = listing.of_task(session, dag_id, run_id, task_id)
    return any(map_index is None or i.map_index == map_index for i in instances)
