"""What the UI's Gantt chart and task durations read: every task instance of one run with the
logs of its past tries, and the span of each task in a DAG's newest runs; one query each."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRunRow, TaskInstanceRow, TaskLogRow

RUNS = DagRunRow.__table__
TIS = TaskInstanceRow.__table__
LOGS = TaskLogRow.__table__


def run_instances(session: Session, dag_run_id: int) -> list[Any]:
    """The run's task instances as light rows, in task and map index order."""
    columns = (
        TIS.c.task_id, TIS.c.map_index, TIS.c.rendered_map_index, TIS.c.try_number, TIS.c.state, TIS.c.queued_at,
        TIS.c.start_date, TIS.c.end_date,
    )
    query = select(*columns).where(TIS.c.dag_run_id == dag_run_id).order_by(TIS.c.task_id, TIS.c.map_index)
    return list(session.execute(query))


def run_logs(session: Session, dag_id: str, run_id: str) -> list[Any]:
    """Where each try of the run logged, and when it started (the task_log key's index)."""
    columns = (LOGS.c.task_id, LOGS.c.map_index, LOGS.c.try_number, LOGS.c.created_at, LOGS.c.path)
    query = select(*columns).where(LOGS.c.dag_id == dag_id, LOGS.c.run_id == run_id)
    return list(session.execute(query))


def newest_runs(session: Session, dag_id: str, limit: int) -> list[Any]:
    """The DAG's newest ``limit`` runs (by id), newest first, as light rows."""
    columns = (RUNS.c.id, RUNS.c.run_id, RUNS.c.run_type, RUNS.c.state, RUNS.c.logical_date, RUNS.c.queued_at,
               RUNS.c.start_date, RUNS.c.end_date)
    return list(session.execute(select(*columns).where(RUNS.c.dag_id == dag_id).order_by(RUNS.c.id.desc()).limit(limit)))


def task_spans(session: Session, dag_run_ids: Sequence[int]) -> list[Any]:
    """Per run and task: its first queue and start, last end, and how many instances (mapped
    tasks have many), grouped by the database."""
    if not dag_run_ids:
        return []
    query = (
        select(TIS.c.dag_run_id, TIS.c.task_id, func.min(TIS.c.queued_at).label("queued_at"),
               func.min(TIS.c.start_date).label("start_date"), func.max(TIS.c.end_date).label("end_date"),
               func.count().label("instances"))
        .where(TIS.c.dag_run_id.in_(list(dag_run_ids)))
        .group_by(TIS.c.dag_run_id, TIS.c.task_id)
    )
    return list(session.execute(query))
