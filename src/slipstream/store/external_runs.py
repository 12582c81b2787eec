"""What a task may read of another DAG's runs: their states and their task instances' states
at given logical dates (``ExternalTaskSensor``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRow, DagRunRow, TaskInstanceRow

RUNS = DagRunRow.__table__
TIS = TaskInstanceRow.__table__


def dag_exists(session: Session, dag_id: str) -> bool:
    return session.execute(select(DagRow.dag_id).where(DagRow.dag_id == dag_id)).first() is not None


def runs_at(session: Session, dag_id: str, logical_dates: Sequence[datetime]) -> list[dict[str, Any]]:
    """The runs of ``dag_id`` whose logical date is one of ``logical_dates``, each as
    ``{"run_id", "logical_date", "state", "task_states": {task_id: [state of each instance]}}``."""
    if not logical_dates:
        return []
    runs = session.execute(
        select(RUNS.c.id, RUNS.c.run_id, RUNS.c.logical_date, RUNS.c.state)
        .where(RUNS.c.dag_id == dag_id, RUNS.c.logical_date.in_(list(logical_dates)))
        .order_by(RUNS.c.logical_date, RUNS.c.id)
    ).all()
    found: dict[int, dict[str, Any]] = {
        run.id: {"run_id": run.run_id, "logical_date": run.logical_date, "state": run.state, "task_states": {}}
        for run in runs
    }
    if found:
        rows = session.execute(
            select(TIS.c.dag_run_id, TIS.c.task_id, TIS.c.state).where(TIS.c.dag_run_id.in_(list(found)))
        )
        for dag_run_id, task_id, state in rows:
            found[dag_run_id]["task_states"].setdefault(task_id, []).append(state)
    return list(found.values())
