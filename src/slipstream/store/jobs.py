"""Scheduler jobs (Airflow's ``job`` table): each scheduler registers, beats while its loop
turns, and ends ``success`` on a clean stop. One whose heartbeat is too old, or whose process
on this host is gone, is dead: another scheduler takes it over (``take_over``, compare-and-set,
so only one does) and adopts its tries (see scheduler/adoption.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.orm import Session

from slipstream.store.models import JobRow, TaskInstanceRow
from slipstream.store.states import TaskInstanceState as TI

TABLE = JobRow.__table__
TIS = TaskInstanceRow.__table__

SCHEDULER_JOB = "SchedulerJob"
RUNNING, SUCCESS, FAILED = "running", "success", "failed"


def register(session: Session, hostname: str, pid: int, now: datetime, job_type: str = SCHEDULER_JOB) -> int:
    """A new running job; its id."""
    values = {
        "job_type": job_type, "state": RUNNING, "hostname": hostname, "pid": pid, "start_date": now,
        "latest_heartbeat": now,
    }
    return int(session.execute(insert(TABLE).values(values).returning(TABLE.c.id)).scalar_one())


_HEARTBEAT = (
    update(TABLE)
    .where(TABLE.c.id == bindparam("b_id"), TABLE.c.state == RUNNING)
    .values(latest_heartbeat=bindparam("b_now"))
)


def heartbeat(session: Session, job_id: int, now: datetime) -> bool:
    """False when the job is no longer running (another scheduler took it for dead)."""
    return session.execute(_HEARTBEAT, {"b_id": job_id, "b_now": now}).rowcount == 1


def end(session: Session, job_id: int, state: str, now: datetime) -> bool:
    """running -> ``state`` (success on a clean stop)."""
    statement = (
        update(TABLE).where(TABLE.c.id == job_id, TABLE.c.state == RUNNING).values(state=state, end_date=now)
    )
    return session.execute(statement).rowcount == 1


take_over = end  # a dead job is ended ``failed`` by the scheduler that adopts it: only one wins


_RUNNING_JOBS = select(TABLE).where(TABLE.c.job_type == bindparam("b_type"), TABLE.c.state == RUNNING)


def running(session: Session, job_type: str = SCHEDULER_JOB) -> list[Any]:
    """Jobs that say they run (the table is small: one row per scheduler start)."""
    return list(session.execute(_RUNNING_JOBS, {"b_type": job_type}))


def get(session: Session, job_id: int) -> Any:
    return session.execute(select(TABLE).where(TABLE.c.id == job_id)).first()


_ACTIVE = (TI.QUEUED.value, TI.RUNNING.value)
_TRIES_OF_JOB = select(TIS).where(TIS.c.queued_by_job_id == bindparam("b_job"), TIS.c.state.in_(_ACTIVE))
_RUNNING_OF_JOB = select(TIS).where(TIS.c.queued_by_job_id == bindparam("b_job"), TIS.c.state == TI.RUNNING.value)
_WITHOUT_JOB = select(TIS).where(
    TIS.c.state.in_(_ACTIVE),
    or_(
        TIS.c.queued_by_job_id.is_(None),
        TIS.c.queued_by_job_id.not_in(select(TABLE.c.id).where(TABLE.c.state == RUNNING)),
    ),
)


def active_tries(session: Session, job_id: int | None) -> list[Any]:
    """Queued and running task instances dispatched by that job (None: by no running job: before
    jobs were recorded, or by a scheduler killed after it ended its job)."""
    if job_id is None:
        return list(session.execute(_WITHOUT_JOB))
    return list(session.execute(_TRIES_OF_JOB, {"b_job": job_id}))


def running_tries(session: Session, job_id: int) -> list[Any]:
    """Running task instances dispatched (or adopted) by that job."""
    return list(session.execute(_RUNNING_OF_JOB, {"b_job": job_id}))


_ADOPT = (
    update(TIS)
    .where(TIS.c.id == bindparam("b_id"), TIS.c.state == TI.RUNNING.value, TIS.c.try_number == bindparam("b_try"))
    .values(queued_by_job_id=bindparam("b_job"))
)


def adopt(session: Session, tries: Sequence[tuple[int, int]], job_id: int) -> int:
    """Running tries (ti_id, try_number) become ``job_id``'s to watch; how many were still running."""
    return sum(session.execute(_ADOPT, {"b_id": i, "b_try": n, "b_job": job_id}).rowcount for i, n in tries)


JOB_SORT = {name: TABLE.c[name] for name in ("id", "state", "job_type", "start_date", "end_date", "latest_heartbeat",
                                             "hostname")}


def query(session: Session, *, state: str | None = None, job_type: str | None = None, hostname: str | None = None,
          alive_since: datetime | None = None, start: Sequence[datetime | None] = (None, None, None, None),
          end: Sequence[datetime | None] = (None, None, None, None), order_by: Sequence[str] = ("id",),
          limit: int | None = None, offset: int = 0) -> tuple[list[Any], int]:
    """A page of jobs and the total. ``alive_since``: only running jobs that beat after it;
    ``start`` / ``end``: (>=, >, <=, <) bounds of start_date / end_date."""
    from slipstream.store import query_pages

    statement = select(TABLE)
    for column, value in ((TABLE.c.state, state), (TABLE.c.job_type, job_type), (TABLE.c.hostname, hostname)):
        if value is not None:
            statement = statement.where(column == value)
    if alive_since is not None:
        statement = statement.where(TABLE.c.state == RUNNING, TABLE.c.latest_heartbeat > alive_since)
    for column, bounds in ((TABLE.c.start_date, start), (TABLE.c.end_date, end)):
        for value, compare in zip(bounds, (column.__ge__, column.__gt__, column.__le__, column.__lt__), strict=True):
            if value is not None:
                statement = statement.where(compare(value))
    statement = query_pages.order_by(statement, order_by, JOB_SORT, TABLE.c.id)
    return query_pages.page(session, statement, limit, offset)
