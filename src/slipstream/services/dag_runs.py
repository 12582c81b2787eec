"""DAG runs as a user sees them: listing with Airflow's filters, one run, its state while it runs,
and the results its tasks returned. Changing runs (trigger, mark, clear, delete) is in
``services/run_actions.py``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, NotFound
from slipstream.services.ordering import parse_order_by
from slipstream.services.paging import Page
from slipstream.store import dags as dag_store
from slipstream.store import run_listing, xcoms
from slipstream.store.patterns import Range
from slipstream.store.run_listing import RunFilter
from slipstream.store.states import FINISHED_RUN_STATES

__all__ = ["DagRun", "Range", "RunFilter", "get_run", "list_runs", "run_results", "ALL_DAGS"]

ALL_DAGS = "~"
RETURN_KEY = "return_value"


@dataclass(frozen=True)
class DagRun:
    id: int
    dag_id: str
    run_id: str
    dag_display_name: str
    run_type: str
    state: str
    logical_date: datetime | None
    run_after: datetime
    queued_at: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    conf: dict[str, Any]
    note: str | None
    partition_key: str | None
    partition_date: datetime | None

    @property
    def duration(self) -> float | None:
        if self.start_date is None or self.end_date is None:
            return None
        return (self.end_date - self.start_date).total_seconds()

    @property
    def finished(self) -> bool:
        return self.state in FINISHED_RUN_STATES


def dag_run(row: Any) -> DagRun:
    """A row of ``store.run_listing`` as the service's value."""
    return DagRun(
        id=row.id, dag_id=row.dag_id, run_id=row.run_id, dag_display_name=row.dag_display_name or row.dag_id,
        run_type=row.run_type, state=row.state, logical_date=row.logical_date,
        run_after=row.run_after or row.queued_at or row.logical_date, queued_at=row.queued_at,
        start_date=row.start_date, end_date=row.end_date, data_interval_start=row.data_interval_start,
        data_interval_end=row.data_interval_end, conf=dict(row.conf or {}), note=row.note,
        partition_key=row.partition_key, partition_date=row.partition_date,
    )


def run_not_found(dag_id: str, run_id: str) -> NotFound:
    return NotFound(f"DAG run {run_id!r} of DAG {dag_id!r} not found (see the DAG's runs: GET "
                    f"/api/v2/dags/{dag_id}/dagRuns or `slipstream dags list-runs {dag_id}`)")


def dag_not_found(dag_id: str) -> NotFound:
    return NotFound(f"DAG {dag_id!r} not found (see `slipstream dags list`)")


def get_run(ctx: ServiceContext, dag_id: str, run_id: str) -> DagRun:
    with ctx.db.read() as session:
        row = run_listing.one_run(session, dag_id, run_id)
    if row is None:
        raise run_not_found(dag_id, run_id)
    return dag_run(row)


def _check_order(order_by: Sequence[str]) -> list[tuple[str, bool]]:
    if any(name.strip().lstrip("-") == "updated_at" for name in order_by):
        raise InvalidRequest("Ordering by updated_at is not supported: Slipstream does not record when a run was last "
                             "updated")
    return parse_order_by(order_by, run_listing.ORDERABLE) or [("id", False)]


def list_runs(
    ctx: ServiceContext, dag_id: str, where: RunFilter | None = None, *, order_by: Sequence[str] = ("id",),
    limit: int | None = 50, offset: int = 0,
) -> Page[DagRun]:
    """Runs of ``dag_id`` (``~``: of every DAG) that ``where`` keeps, ordered by ``order_by``
    (``-`` first: descending). NotFound for a DAG that was never seen and has no runs."""
    where = where or RunFilter()
    order = _check_order(order_by)
    if dag_id != ALL_DAGS:
        where = replace(where, dag_ids=[dag_id])
    with ctx.db.read() as session:
        rows, total = run_listing.list_runs(session, where, order_by=order, limit=limit, offset=offset)
        if dag_id != ALL_DAGS and total == 0 and dag_store.get_dag(session, dag_id) is None:
            raise dag_not_found(dag_id)
    return Page([dag_run(row) for row in rows], total)


def run_results(ctx: ServiceContext, run: DagRun, task_ids: Sequence[str]) -> dict[str, Any]:
    """The values the tasks ``task_ids`` of ``run`` returned (their ``return_value`` XCom): one
    value per task, or a list in map-index order for a mapped task. Tasks that returned nothing
    are left out."""
    wanted = set(task_ids)
    grouped: dict[str, list[tuple[int, Any]]] = {}
    with ctx.db.read() as session:
        for row in xcoms.for_run(session, run.dag_id, run.run_id):
            if row.key == RETURN_KEY and row.task_id in wanted:
                grouped.setdefault(row.task_id, []).append((row.map_index, json.loads(row.value)))
    results: dict[str, Any] = {}
    for task_id, values in sorted(grouped.items()):
        values.sort(key=lambda item: item[0])
        results[task_id] = values[0][1] if len(values) == 1 and values[0][0] < 0 else [v for _, v in values]
    return results
