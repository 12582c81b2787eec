"""Deleting DAG runs with everything recorded under them: task instances, XComs, log locations,
rendered fields, reschedules, deadlines, task state, and the links to the asset events that
triggered them. The asset events a run's tasks emitted stay: they belong to the assets."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, tuple_
from sqlalchemy.orm import Session

from slipstream.store.models import (
    DagRunAssetEventRow,
    DagRunRow,
    DeadlineRow,
    RenderedTaskInstanceFieldsRow,
    TaskInstanceRow,
    TaskLogRow,
    TaskRescheduleRow,
    TaskStateRow,
    XComRow,
)

RUNS = DagRunRow.__table__
_BY_RUN_ID = (TaskInstanceRow, XComRow, DeadlineRow, TaskStateRow, DagRunAssetEventRow)
_BY_RUN_KEY = (TaskLogRow, RenderedTaskInstanceFieldsRow, TaskRescheduleRow)


def delete_runs(session: Session, dag_run_ids: Sequence[int]) -> int:
    """Delete these runs (by their row ids) and what hangs off them; returns how many runs went.
    Log files on disk are left where they are."""
    ids = sorted(set(dag_run_ids))
    if not ids:
        return 0
    keys = [tuple(row) for row in session.execute(select(RUNS.c.dag_id, RUNS.c.run_id).where(RUNS.c.id.in_(ids)))]
    for model in _BY_RUN_ID:
        table = model.__table__
        session.execute(delete(table).where(table.c.dag_run_id.in_(ids)))
    if keys:
        for model in _BY_RUN_KEY:
            table = model.__table__
            session.execute(delete(table).where(tuple_(table.c.dag_id, table.c.run_id).in_(keys)))
    return session.execute(delete(RUNS).where(RUNS.c.id.in_(ids))).rowcount
