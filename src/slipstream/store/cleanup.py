"""``db clean``: delete what is older than a date from the tables that grow for ever.

``dag_run``: finished runs whose end (else start, else queue) time is before the date, with
everything recorded under them (store/run_deletion.py: task instances, XComs, log locations,
rendered fields, reschedules, deadlines, task state); the latest scheduled or backfill run of
each DAG stays, because the scheduler computes the next run from it (as Airflow keeps it).
``job``: scheduler jobs that ended, or whose last heartbeat is before the date.
Log files on disk are left to the log rotation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from slipstream.store import run_deletion
from slipstream.store.models import DagRunRow, JobRow
from slipstream.store.states import FINISHED_RUN_STATES, DagRunType

TABLES = ("dag_run", "job")


@dataclass(frozen=True)
class Cleaned:
    table: str
    rows: int
    oldest: datetime | None = None
    newest: datetime | None = None


def _old_runs(session: Session, before: datetime, dag_ids: Sequence[str] | None,
              exclude_dag_ids: Sequence[str] | None) -> list[tuple[int, datetime]]:
    runs = DagRunRow.__table__
    when = func.coalesce(runs.c.end_date, runs.c.start_date, runs.c.queued_at)
    latest = (
        select(func.max(runs.c.id))
        .where(runs.c.run_type != DagRunType.MANUAL.value)
        .group_by(runs.c.dag_id)
    )
    query = select(runs.c.id, when).where(
        runs.c.state.in_([s.value for s in FINISHED_RUN_STATES]), when < before, runs.c.id.not_in(latest),
    )
    if dag_ids:
        query = query.where(runs.c.dag_id.in_(list(dag_ids)))
    if exclude_dag_ids:
        query = query.where(runs.c.dag_id.not_in(list(exclude_dag_ids)))
    return [(row[0], row[1]) for row in session.execute(query)]


def _old_jobs(session: Session, before: datetime) -> list[tuple[int, datetime]]:
    jobs = JobRow.__table__
    when = func.coalesce(jobs.c.end_date, jobs.c.latest_heartbeat)
    query = select(jobs.c.id, when).where(when < before, (jobs.c.state != "running") | (jobs.c.latest_heartbeat < before))
    return [(row[0], row[1]) for row in session.execute(query)]


def _summary(table: str, found: list[tuple[int, datetime]]) -> Cleaned:
    dates = [when for _, when in found if when is not None]
    return Cleaned(table, len(found), min(dates, default=None), max(dates, default=None))


def clean(
    session: Session, before: datetime, tables: Sequence[str] = TABLES, *, dag_ids: Sequence[str] | None = None,
    exclude_dag_ids: Sequence[str] | None = None, dry_run: bool = False,
) -> list[Cleaned]:
    """What is (``dry_run``: would be) deleted from each of ``tables``."""
    result = []
    if "dag_run" in tables:
        found = _old_runs(session, before, dag_ids, exclude_dag_ids)
        if not dry_run:
            run_deletion.delete_runs(session, [run_id for run_id, _ in found])
        result.append(_summary("dag_run", found))
    if "job" in tables:
        found = _old_jobs(session, before)
        if not dry_run and found:
            session.execute(delete(JobRow.__table__).where(JobRow.__table__.c.id.in_([i for i, _ in found])))
        result.append(_summary("job", found))
    return result
