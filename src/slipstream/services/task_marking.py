"""A user marks task instances success, failed or skipped, or writes a note on them
(``tasks set-state``, Airflow's ``PATCH .../taskInstances/{task_id}``).

Every mark is a compare-and-set on the state the row was read in, all in one transaction: if
the scheduler or a try changed one of them meanwhile, nothing is marked and the caller is told
to try again. A running try that is marked loses: its result is refused and it stops itself.
Marking success also clears the failed and upstream_failed task instances downstream of the
marked ones in the same run, so the scheduler runs them (the run is re-opened if it had
finished).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.orm import Session

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.scheduler.clearing import relatives, select_to_clear
from slipstream.services.clearing import serialized_dag
from slipstream.services.context import ServiceContext
from slipstream.services.errors import Conflict, InvalidRequest, NotFound
from slipstream.services.task_instances import TaskInstance, build, check_run
from slipstream.store import clearing, task_instances
from slipstream.store import task_instance_listing as listing
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI

MARKABLE = task_instances.MARKABLE


@dataclass(frozen=True)
class MarkRequest:
    """``new_state`` None changes no state; ``note`` is written when ``set_note`` (None removes
    it). ``map_index`` None means every instance of the task."""

    new_state: str | None = None
    note: str | None = None
    set_note: bool = False
    map_index: int | None = -1
    include_upstream: bool = False
    include_downstream: bool = False
    include_past: bool = False
    include_future: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class MarkResult:
    """The task instances marked (or noted), as they are now (as they were, for a dry run), the
    state each was in before, and how many failed ones downstream were cleared."""

    task_instances: list[TaskInstance]
    previous_states: dict[str, str | None]
    cleared_downstream: int


def _runs_in_scope(session: Session, dag_id: str, run: Any, past: bool, future: bool) -> list[int]:
    """The ids of the run and, with ``past``/``future``, of the DAG's runs before/after it (by logical date)."""
    if not (past or future) or run.logical_date is None:
        return [run.id]
    return [
        other.id for other in listing.run_dates(session, dag_id)
        if other.id == run.id or (other.logical_date is not None and (
            (past and other.logical_date <= run.logical_date) or (future and other.logical_date >= run.logical_date)))
    ]


def targets(
    session: Session, dag: SerializedDag, run: Any, named: set[str], request: MarkRequest, what: str
) -> tuple[list[Any], list[Any]]:
    """(the named tasks' instances in this run, every instance the new state applies to)."""
    own = [r for r in task_instances.for_run(session, dag.dag_id, run.run_id) if r.task_id in named
           and (request.map_index is None or r.map_index == request.map_index)]
    if not own:
        where = "" if request.map_index is None else f" (map index {request.map_index})"
        raise NotFound(f"Task instances of {what}{where} not found in DAG run {run.run_id!r} of DAG {dag.dag_id!r}")
    if request.new_state is None:
        return own, []
    task_ids = set(named)
    if request.include_upstream:
        task_ids |= relatives(dag, set(named), "upstream")
    if request.include_downstream:
        task_ids |= relatives(dag, set(named), "downstream")
    own_ids = {r.id for r in own}
    marked = []
    for row in task_instances.of_runs(session, _runs_in_scope(session, dag.dag_id, run, request.include_past,
                                                              request.include_future)):
        if row.task_id not in task_ids or row.state == request.new_state:
            continue
        if row.task_id in named and row.dag_run_id == run.id and row.id not in own_ids:
            continue  # another map index of a named task: not asked for
        marked.append(row)
    return own, marked


def mark_task_instance(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, request: MarkRequest) -> MarkResult:
    """Set the state and/or note of one task's instances in a run (one, or all with map_index None)."""

    def named(dag: SerializedDag) -> set[str]:
        if task_id not in dag.tasks:
            raise NotFound(f"Task {task_id!r} not found in DAG {dag_id!r}")
        return {task_id}

    return _mark(ctx, dag_id, run_id, named, request, f"task {task_id!r}")


def mark_task_group(ctx: ServiceContext, dag_id: str, run_id: str, group_id: str, request: MarkRequest) -> MarkResult:
    """The same for every instance of every task in a task group (nested groups included)."""

    def named(dag: SerializedDag) -> set[str]:
        found = {t for t, task in dag.tasks.items()
                 if (task.data.get("task_group") or "") == group_id
                 or (task.data.get("task_group") or "").startswith(group_id + ".")}
        if not found:
            raise NotFound(f"Task group {group_id!r} not found in DAG {dag_id!r}")
        return found

    return _mark(ctx, dag_id, run_id, named, replace(request, map_index=None), f"task group {group_id!r}")


def _mark(
    ctx: ServiceContext, dag_id: str, run_id: str, named_in: Callable[[SerializedDag], set[str]],
    request: MarkRequest, what: str,
) -> MarkResult:
    if request.new_state is not None and request.new_state not in MARKABLE:
        raise InvalidRequest(f"A task instance can be set to {', '.join(MARKABLE)}, not {request.new_state!r}")
    if request.new_state is None and not request.set_note:
        raise InvalidRequest("Nothing to change: send new_state, note, or both")
    transaction = ctx.db.read if request.dry_run else ctx.db.write
    cleared = 0
    with transaction() as session:
        dag = serialized_dag(session, dag_id)
        named = named_in(dag)
        run = check_run(session, dag_id, run_id)
        own, marked = targets(session, dag, run, named, request, what)
        affected = {r.id: r for r in (*marked, *(own if request.set_note else ()))}
        previous = {r.id: r.state for r in affected.values()}
        if not request.dry_run:
            now = utcnow()
            for row in marked:
                if not task_instances.mark(session, row.id, row.state, request.new_state, now):
                    raise Conflict(f"{dag_id}.{row.task_id} {row.run_id} changed state meanwhile; nothing marked, "
                                   "try again")
            if request.set_note:
                task_instances.set_notes(session, [r.id for r in own], request.note)
            if request.new_state == TI.SUCCESS.value and marked:
                cleared = _clear_failed_downstream(session, dag, marked)
        rows = listing.by_ids(session, list(affected))
        found = build(session, rows)
    if not request.dry_run and (marked or cleared):
        ctx.notify("task_instance")
    by_uuid = {ti.id: previous[row.id] for ti, row in zip(found, rows, strict=True)}
    return MarkResult(found, {k: (None if v == TI.NONE.value else v) for k, v in by_uuid.items()}, cleared)


def _clear_failed_downstream(session: Session, dag: SerializedDag, marked: list[Any]) -> int:
    """Clear the failed and upstream_failed instances downstream of those just marked success."""
    marked_ids = {r.id for r in marked}
    to_clear: dict[int, Any] = {}
    for run_id in sorted({r.run_id for r in marked}):
        task_ids = {r.task_id for r in marked if r.run_id == run_id}
        for row in select_to_clear(session, dag, task_ids=task_ids, downstream=True, only_failed=True, run_id=run_id):
            if row.id not in marked_ids and row.task_id not in task_ids:
                to_clear[row.id] = row
    if not to_clear:
        return 0
    return clearing.clear(session, list(to_clear.values()), {t.task_id: t.retries for t in dag.tasks.values()})
