"""Runs of a DAG found by date: the previous successful one templates see (``prev_*_success``),
and the run at a logical date (``tasks render``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, case, select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRunRow
from slipstream.store.states import DagRunState, DagRunType

RUNS = DagRunRow.__table__

_PREVIOUS_SUCCESS = (
    select(RUNS.c.data_interval_start, RUNS.c.data_interval_end, RUNS.c.start_date, RUNS.c.end_date)
    .where(
        RUNS.c.dag_id == bindparam("b_dag"),
        RUNS.c.logical_date < bindparam("b_date"),
        RUNS.c.state == DagRunState.SUCCESS.value,
    )
    .order_by(RUNS.c.logical_date.desc(), RUNS.c.id.desc())
    .limit(1)
)


def previous_success(session: Session, dag_id: str, logical_date: datetime | None) -> dict[str, Any] | None:
    """The latest successful run of the DAG with a logical date before ``logical_date`` (any run
    type), as its data interval and start and end dates; None when there is none or no date."""
    if logical_date is None:
        return None
    row = session.execute(_PREVIOUS_SUCCESS, {"b_dag": dag_id, "b_date": logical_date}).first()
    return dict(row._mapping) if row is not None else None


def run_at(session: Session, dag_id: str, logical_date: datetime) -> DagRunRow | None:
    """The run of the DAG at this logical date: the scheduled or backfill one if there is one,
    else the latest manual one."""
    query = (
        select(DagRunRow)
        .where(DagRunRow.dag_id == dag_id, DagRunRow.logical_date == logical_date)
        .order_by(case((DagRunRow.run_type == DagRunType.MANUAL.value, 1), else_=0), DagRunRow.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def latest(session: Session, dag_id: str) -> DagRunRow | None:
    """The DAG's run with the latest logical date (the newest one among equals)."""
    query = select(DagRunRow).where(DagRunRow.dag_id == dag_id)
    return session.scalars(query.order_by(DagRunRow.logical_date.desc(), DagRunRow.id.desc()).limit(1)).first()
