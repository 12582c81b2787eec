"""Runs by their partition (``partition_key``, ``partition_date``), and forgetting it: Airflow's
``partitions clear``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from slipstream.store.models import DagRunRow

RUNS = DagRunRow.__table__


def matching(session: Session, dag_id: str, *, run_id: str | None = None, partition_key: str | None = None,
             start: datetime | None = None, end: datetime | None = None) -> list[Any]:
    """The DAG's runs that have a partition and match every criterion given (dates inclusive)."""
    query = select(RUNS.c.id, RUNS.c.run_id, RUNS.c.state, RUNS.c.partition_key, RUNS.c.partition_date).where(
        RUNS.c.dag_id == dag_id, (RUNS.c.partition_key.is_not(None)) | (RUNS.c.partition_date.is_not(None)),
    )
    if run_id is not None:
        query = query.where(RUNS.c.run_id == run_id)
    if partition_key is not None:
        query = query.where(RUNS.c.partition_key == partition_key)
    if start is not None:
        query = query.where(RUNS.c.partition_date >= start)
    if end is not None:
        query = query.where(RUNS.c.partition_date <= end)
    return list(session.execute(query.order_by(RUNS.c.id)))


def forget(session: Session, dag_run_ids: Sequence[int]) -> int:
    if not dag_run_ids:
        return 0
    statement = update(RUNS).where(RUNS.c.id.in_(list(dag_run_ids))).values(partition_key=None, partition_date=None)
    return session.execute(statement).rowcount
