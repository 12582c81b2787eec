"""What the UI's grid and dashboard read: a page of a DAG's runs, and counts by state, each one
query the database answers from an index."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRow, DagRunRow, ImportErrorRow, TaskInstanceRow
from slipstream.store.states import DagRunState

RUNS = DagRunRow.__table__
TIS = TaskInstanceRow.__table__
RUN_ORDER_COLUMNS = ("id", "logical_date", "start_date", "end_date", "queued_at")

_RUN_COLUMNS = (
    RUNS.c.id, RUNS.c.dag_id, RUNS.c.run_id, RUNS.c.run_type, RUNS.c.state, RUNS.c.logical_date,
    RUNS.c.data_interval_start, RUNS.c.data_interval_end, RUNS.c.queued_at, RUNS.c.start_date, RUNS.c.end_date,
    (RUNS.c.note.is_not(None)).label("has_note"),
)


def runs_page(
    session: Session, dag_id: str, *, limit: int, offset: int = 0, order_by: str = "-id",
    states: Sequence[str] = (), run_types: Sequence[str] = (),
) -> tuple[list[Any], int]:
    """A page of the DAG's runs (light rows) and how many match. ``order_by``: a name of
    ``RUN_ORDER_COLUMNS``, ``-`` first for descending; then newest id first. Runs without the
    date come last either way. The default (newest first by id) reads the (dag_id, id) index."""
    descending = order_by.startswith("-")
    column = RUNS.c[order_by.lstrip("-")]
    where = [RUNS.c.dag_id == dag_id]
    if states:
        where.append(RUNS.c.state.in_(list(states)))
    if run_types:
        where.append(RUNS.c.run_type.in_(list(run_types)))
    order = [column.desc().nulls_last() if descending else column.asc().nulls_last()]
    if column is not RUNS.c.id:
        order.append(RUNS.c.id.desc())
    rows = list(session.execute(select(*_RUN_COLUMNS).where(*where).order_by(*order).limit(limit).offset(offset)))
    if offset == 0 and len(rows) < limit:
        return rows, len(rows)
    total = session.execute(select(func.count()).select_from(RUNS).where(*where)).scalar_one()
    return rows, total


def counts_by_state(session: Session, table: str) -> dict[str, int]:
    """{state: rows} of ``dag_run`` or ``task_instance``, counted on the state index."""
    source = {"dag_run": RUNS, "task_instance": TIS}[table]
    statement = select(source.c.state, func.count()).group_by(source.c.state)
    return {state: count for state, count in session.execute(statement)}


def dag_counts(session: Session) -> dict[str, int]:
    """DAGs a file defines now: how many, how many paused; and files that failed to load."""
    active = DagRow.is_active.is_(True)
    total, paused = session.execute(
        select(func.count(), func.count().filter(DagRow.is_paused.is_(True))).where(active)
    ).one()
    errors = session.execute(select(func.count(func.distinct(ImportErrorRow.filename)))).scalar_one()
    return {"total": total, "paused": paused, "import_errors": errors}


def dags_by_run_state(session: Session) -> dict[str, int]:
    """How many active DAGs have a run in each state (queued, running...), and ``latest_failed``:
    how many DAGs whose newest run failed."""
    active_ids = select(DagRow.dag_id).where(DagRow.is_active.is_(True))
    having = (
        select(RUNS.c.state, func.count(func.distinct(RUNS.c.dag_id)))
        .where(RUNS.c.state.in_((DagRunState.QUEUED.value, DagRunState.RUNNING.value)), RUNS.c.dag_id.in_(active_ids))
        .group_by(RUNS.c.state)
    )
    found = {state: count for state, count in session.execute(having)}
    newest = select(func.max(RUNS.c.id)).where(RUNS.c.dag_id.in_(active_ids)).group_by(RUNS.c.dag_id)
    failed = select(func.count()).select_from(RUNS).where(RUNS.c.id.in_(newest), RUNS.c.state == DagRunState.FAILED.value)
    found["latest_failed"] = session.execute(failed).scalar_one()
    return found
