"""Clearing task instances so the scheduler runs them again (``tasks clear``, Airflow's
``POST /dags/{dag_id}/clearTaskInstances``).

What to clear is chosen and cleared in one write transaction, so a task instance that changed
in between is not cleared on a stale reading; a dry run only chooses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.scheduler.clearing import select_to_clear
from slipstream.services.context import ServiceContext
from slipstream.services.errors import Conflict, InvalidRequest, NotFound
from slipstream.services.task_instances import TaskInstance, build
from slipstream.store import clearing, dag_runs, dags, task_instances
from slipstream.store import task_instance_listing as listing
from slipstream.store.states import TaskInstanceState as TI


@dataclass(frozen=True)
class ClearRequest:
    """Which task instances of one DAG to clear. ``task_regex`` and ``task_ids`` narrow the tasks
    (None: all), ``map_indexes`` some instances of the named tasks; ``run_id`` one run, widened to
    the runs before/after it by ``include_past``/``include_future``; ``start``/``end`` bound the
    runs' logical dates."""

    task_regex: str | None = None
    task_ids: Collection[str] | None = None
    map_indexes: Mapping[str, Collection[int]] = field(default_factory=dict)
    run_id: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    only_failed: bool = False
    only_running: bool = False
    include_upstream: bool = False
    include_downstream: bool = False
    include_past: bool = False
    include_future: bool = False
    reset_dag_runs: bool = True
    prevent_running_task: bool = False
    note: str | None = None
    dry_run: bool = False


@dataclass(frozen=True)
class ClearResult:
    """The task instances chosen (as they were before clearing) and how many were cleared."""

    task_instances: list[TaskInstance]
    cleared: int


def serialized_dag(session: Session, dag_id: str) -> SerializedDag:
    row = dags.get_serialized(session, dag_id)
    if row is None:
        raise NotFound(f"DAG {dag_id!r} not found (see `slipstream dags list`, or its import errors)")
    return SerializedDag(row.data, row.dag_hash)


def _utc(value: datetime | None) -> datetime | None:
    """A date without a time zone is taken as UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def select(session: Session, dag: SerializedDag, request: ClearRequest) -> list[Any]:
    """The task instance rows a clear takes (also what the UI's preview counts)."""
    run_id, start, end = request.run_id, _utc(request.start), _utc(request.end)
    if run_id is not None:
        run = dag_runs.get(session, dag.dag_id, run_id)
        if run is None:
            raise NotFound(f"DAG run {run_id!r} of DAG {dag.dag_id!r} not found")
        if (request.include_past or request.include_future) and run.logical_date is not None:
            run_id = None
            if not request.include_past:
                start = run.logical_date
            if not request.include_future:
                end = run.logical_date
    if request.task_ids is not None:
        unknown = sorted(set(request.task_ids) - set(dag.tasks))
        if unknown:
            raise NotFound(f"DAG {dag.dag_id!r} has no task {', '.join(map(repr, unknown))}")
    try:
        return select_to_clear(
            session, dag, task_regex=request.task_regex, task_ids=request.task_ids,
            map_indexes=request.map_indexes or None, start=start, end=end, upstream=request.include_upstream,
            downstream=request.include_downstream, only_failed=request.only_failed,
            only_running=request.only_running, run_id=run_id,
        )
    except ValueError as err:
        raise InvalidRequest(str(err)) from None


def clear_task_instances(ctx: ServiceContext, dag_id: str, request: ClearRequest) -> ClearResult:
    """Choose the task instances ``request`` names and, unless a dry run, clear them (their runs
    re-opened with ``reset_dag_runs``) and wake the scheduler."""
    transaction = ctx.db.read if request.dry_run else ctx.db.write
    with transaction() as session:
        dag = serialized_dag(session, dag_id)
        rows = select(session, dag, request)
        chosen = build(session, listing.by_ids(session, [r.id for r in rows]))
        if request.prevent_running_task and any(r.state == TI.RUNNING.value for r in rows):
            running = sorted({f"{r.task_id} ({r.run_id})" for r in rows if r.state == TI.RUNNING.value})
            raise Conflict(f"Not clearing: running task instances are among those chosen: {', '.join(running)}; "
                           "wait for them or send prevent_running_task=false")
        if request.dry_run or not rows:
            return ClearResult(chosen, 0)
        retries = {t.task_id: t.retries for t in dag.tasks.values()}
        cleared = clearing.clear(session, rows, retries, reopen_runs=request.reset_dag_runs)
        if request.note is not None:
            task_instances.set_notes(session, [r.id for r in rows], request.note)
    if cleared:
        ctx.notify("task_instance")
    return ClearResult(chosen, cleared)
