"""The previous successful run of a DAG, as templates see it (``prev_*_success``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRunRow
from slipstream.store.states import DagRunState

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
