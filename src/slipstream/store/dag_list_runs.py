"""What the UI's DAG list reads beyond the DAG rows: the newest runs of a page of DAGs (one
query, a window over the (dag_id, id) index) and the owners of all active DAGs."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRow, DagRunRow

RUNS = DagRunRow.__table__


def latest_runs(session: Session, dag_ids: Collection[str], per_dag: int) -> list[Any]:
    """The ``per_dag`` newest runs (by id) of each of ``dag_ids``, as light rows with ``dag_id``,
    ``run_id``, ``run_type``, ``state``, the dates; newest first within each DAG."""
    if not dag_ids or per_dag <= 0:
        return []
    rank = func.row_number().over(partition_by=RUNS.c.dag_id, order_by=RUNS.c.id.desc()).label("rank")
    ranked = (
        select(RUNS.c.id, RUNS.c.dag_id, RUNS.c.run_id, RUNS.c.run_type, RUNS.c.state, RUNS.c.logical_date,
               RUNS.c.queued_at, RUNS.c.start_date, RUNS.c.end_date, rank)
        .where(RUNS.c.dag_id.in_(list(dag_ids)))
        .subquery()
    )
    query = select(ranked).where(ranked.c.rank <= per_dag).order_by(ranked.c.dag_id, ranked.c.id.desc())
    return list(session.execute(query))


def owners(session: Session) -> list[str]:
    """The distinct owners of the active DAGs (a DAG's ``owners`` is a comma-separated list), sorted."""
    found: set[str] = set()
    for text in session.scalars(select(DagRow.owners).where(DagRow.is_active.is_(True)).distinct()):
        found.update(owner.strip() for owner in (text or "").split(",") if owner.strip())
    return sorted(found, key=str.lower)
