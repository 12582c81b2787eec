"""What clearing or marking task instances would touch, summed up for the web UI's preview: how
many, how many in each state, and the first of them. The dry runs of Airflow's API answer every
task instance in full (100,000 of them for a big mapped task: tens of megabytes); a preview needs
the count and a screenful. The choice is the one the action itself makes (services.clearing and
services.task_marking choose the rows), made in a read transaction."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from slipstream.services import clearing, task_marking
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, NotFound
from slipstream.services.task_instances import TaskInstance, build, check_run
from slipstream.store import task_instance_listing as listing

MAX_LIMIT = 5000


@dataclass(frozen=True)
class ActionPreview:
    """``total`` task instances would change, ``states`` counts them by their state now
    ("none": no state yet), ``task_instances`` are the first ``limit`` of them (by id: run, then
    task order, then map index), as they are now."""

    total: int
    states: dict[str, int]
    task_instances: list[TaskInstance]


def _check_limit(limit: int) -> None:
    if not 0 <= limit <= MAX_LIMIT:
        raise InvalidRequest(f"limit must be between 0 and {MAX_LIMIT}, not {limit}")


def _summed(session: Any, rows: list[Any], limit: int) -> ActionPreview:
    first = sorted(rows, key=lambda r: r.id)[:limit]
    return ActionPreview(
        total=len(rows),
        states=dict(Counter(str(r.state) for r in rows)),
        task_instances=build(session, listing.by_ids(session, [r.id for r in first])),
    )


def preview_clear(ctx: ServiceContext, dag_id: str, request: clearing.ClearRequest, limit: int) -> ActionPreview:
    """What ``clearing.clear_task_instances(request)`` would clear."""
    _check_limit(limit)
    with ctx.db.read() as session:
        dag = clearing.serialized_dag(session, dag_id)
        rows = clearing.select(session, dag, replace(request, dry_run=True))
        return _summed(session, rows, limit)


def preview_mark(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, request: task_marking.MarkRequest, limit: int,
) -> ActionPreview:
    """The task instances ``task_marking.mark_task_instance`` would set to ``request.new_state``."""
    _check_limit(limit)
    if request.new_state not in task_marking.MARKABLE:
        raise InvalidRequest(f"A task instance can be set to {', '.join(task_marking.MARKABLE)}, "
                             f"not {request.new_state!r}")
    with ctx.db.read() as session:
        dag = clearing.serialized_dag(session, dag_id)
        if task_id not in dag.tasks:
            raise NotFound(f"Task {task_id!r} not found in DAG {dag_id!r}")
        run = check_run(session, dag_id, run_id)
        _, marked = task_marking.targets(
            session, dag, run, {task_id}, replace(request, dry_run=True, set_note=False), f"task {task_id!r}",
        )
        return _summed(session, marked, limit)
