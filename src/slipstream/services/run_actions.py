"""What a user does to DAG runs: trigger one, mark it success, failed or queued, write its note,
clear it so it runs again, delete it. Each change is one transaction of compare-and-sets on the
states rows were read in, so a change the scheduler made meanwhile wins and the caller is told;
a change the scheduler must act on wakes it (``ctx.notify``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.services.context import ServiceContext
from slipstream.services.dag_runs import DagRun, dag_not_found, get_run, run_not_found
from slipstream.services.errors import AlreadyExists, Conflict, InvalidRequest, NotFound, Unsupported
from slipstream.store import clearing, dag_runs, run_deletion
from slipstream.store.clock import utcnow
from slipstream.store.states import DagRunState

MARKABLE = (DagRunState.SUCCESS.value, DagRunState.FAILED.value, DagRunState.QUEUED.value)
DELETABLE = MARKABLE  # a running run must be marked first, as in Airflow
UNSET: Any = object()


def _serialized(ctx: ServiceContext, dag_id: str) -> Any:
    from slipstream.scheduler.triggering import DagNotFound, load_serialized

    try:
        return load_serialized(ctx.db, dag_id)
    except DagNotFound as err:
        raise NotFound(str(err)) from None


def trigger_run(
    ctx: ServiceContext,
    dag_id: str,
    *,
    run_id: str | None = None,
    logical_date: datetime | None = None,
    run_after: datetime | None = None,
    data_interval: tuple[datetime | None, datetime | None] | None = None,
    conf: Mapping[str, Any] | None = None,
    note: str | None = None,
    partition_key: str | None = None,
) -> DagRun:
    """Queue a manual run, its params checked against ``conf`` first. A paused DAG gets its run
    too (queued until the DAG is unpaused), as in Airflow. Without a logical date the run's is
    ``run_after`` (default: now): Slipstream's runs always have one."""
    from slipstream.scheduler.triggering import DagNotFound, trigger_dag
    from slipstream.sdk.exceptions import ParamValidationError

    interval: tuple[datetime, datetime] | None = None
    if data_interval is not None and any(data_interval):
        start, end = data_interval
        if start is None or end is None:
            raise InvalidRequest("Give both data_interval_start and data_interval_end, or neither")
        if end < start:
            raise InvalidRequest("data_interval_end is before data_interval_start")
        interval = (start, end)
    try:
        row = trigger_dag(
            ctx.db, dag_id, run_id=run_id, conf=conf, logical_date=logical_date or run_after,
            partition_key=partition_key, data_interval=interval, note=note,
        )
    except DagNotFound as err:
        raise NotFound(str(err)) from None
    except dag_runs.DagRunExists as err:
        raise AlreadyExists(str(err)) from None
    except (ParamValidationError, ValueError) as err:
        raise InvalidRequest(str(err)) from None
    ctx.notify("dag_run")
    return get_run(ctx, dag_id, row.run_id)


@dataclass(frozen=True)
class RunMarked:
    """``marked`` task instances changed with the run; ``changed`` is False when the run already
    was in the state asked for (nothing was done)."""

    run: DagRun
    previous_state: str
    marked: int
    changed: bool


def _mark(session: Any, row: Any, state: str, now: datetime) -> int:
    if state == DagRunState.QUEUED.value:
        if not dag_runs.requeue(session, row.id, row.state, now):
            raise _moved(row)
        return 0
    marked = dag_runs.mark(session, row.id, row.state, state, now)
    if marked is None:
        raise _moved(row)
    return marked


def _moved(row: Any) -> Conflict:
    return Conflict(f"DAG run {row.dag_id} {row.run_id} changed state meanwhile; nothing marked, try again")


def _run_row(session: Any, dag_id: str, run_id: str) -> Any:
    row = dag_runs.get(session, dag_id, run_id)
    if row is None:
        raise run_not_found(dag_id, run_id)
    return row


def update_run(ctx: ServiceContext, dag_id: str, run_id: str, *, state: str | None = None,
               note: str | None = UNSET) -> RunMarked:
    """Set the run's note (None clears it) and/or mark it ``success`` or ``failed`` (its
    unfinished task instances with it: all success; or the queued and running ones failed and
    the rest skipped) or ``queued`` (the scheduler starts it again; task instances unchanged)."""
    if state is not None and state not in MARKABLE:
        raise InvalidRequest(f"A DAG run can be set to {', '.join(MARKABLE)}, not {state!r}")
    with ctx.db.write() as session:
        row = _run_row(session, dag_id, run_id)
        previous = row.state
        if note is not UNSET:
            dag_runs.set_note(session, row.id, note)
        marked, changed = 0, False
        if state is not None and state != previous:
            marked, changed = _mark(session, row, state, utcnow()), True
    if changed:
        ctx.notify("dag_run")
    return RunMarked(get_run(ctx, dag_id, run_id), previous, marked, changed)


def mark_run(ctx: ServiceContext, dag_id: str, run_id: str, state: str) -> RunMarked:
    return update_run(ctx, dag_id, run_id, state=state)


@dataclass(frozen=True)
class ClearTarget:
    """A task instance a clear takes (or would take), in the state it was read in."""

    id: int
    dag_id: str
    run_id: str
    task_id: str
    map_index: int
    state: str


@dataclass(frozen=True)
class RunCleared:
    run: DagRun
    targets: list[ClearTarget]
    cleared: int


def clear_run(
    ctx: ServiceContext, dag_id: str, run_id: str, *, only_failed: bool = False, dry_run: bool = False,
    only_new: bool = False, note: str | None = UNSET,
) -> RunCleared:
    """Clear the run's task instances (all that have a state, or only the failed and
    upstream_failed ones) so the scheduler runs them again; the run goes back to queued if it had
    finished. ``dry_run`` only says which would be cleared."""
    from slipstream.scheduler.clearing import select_to_clear

    dag = _serialized(ctx, dag_id)
    if only_new:
        get_run(ctx, dag_id, run_id)
        raise Unsupported("Clearing with only_new is not supported: Slipstream keeps no DAG versions, so it cannot "
                          "tell tasks added in the latest version apart")
    retries = {t.task_id: t.retries for t in dag.tasks.values()}
    with ctx.db.write() as session:
        _run_row(session, dag_id, run_id)
        rows = select_to_clear(session, dag, only_failed=only_failed, run_id=run_id)
        targets = [ClearTarget(r.id, r.dag_id, r.run_id, r.task_id, r.map_index, r.state) for r in rows]
        cleared = 0
        if not dry_run:
            cleared = clearing.clear(session, rows, retries)
            if note is not UNSET:
                row = _run_row(session, dag_id, run_id)
                dag_runs.set_note(session, row.id, note)
    if cleared:
        ctx.notify("dag_run")
    return RunCleared(get_run(ctx, dag_id, run_id), targets, cleared)


def delete_run(ctx: ServiceContext, dag_id: str, run_id: str) -> None:
    """Delete the run and what was recorded under it (task instances, XComs, rendered fields,
    log locations...). A running run is refused: mark it first."""
    with ctx.db.write() as session:
        row = _run_row(session, dag_id, run_id)
        if row.state not in DELETABLE:
            raise Conflict(f"DAG run {run_id!r} of DAG {dag_id!r} is {row.state} and cannot be deleted: mark it "
                           "success or failed first")
        run_deletion.delete_runs(session, [row.id])


def check_dag(ctx: ServiceContext, dag_id: str) -> None:
    """NotFound unless the DAG is loaded (a DAG file defines it and it parsed)."""
    from slipstream.store import dags as dag_store

    with ctx.db.read() as session:
        if dag_store.get_dag(session, dag_id) is None:
            raise dag_not_found(dag_id)
