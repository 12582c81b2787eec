"""Jobs (Airflow's ``job`` table): each scheduler that ran, with its state and heartbeat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest
from slipstream.services.paging import Page
from slipstream.store import jobs as job_store
from slipstream.store.clock import utcnow
from slipstream.store.query_pages import UnknownSortField


@dataclass(frozen=True)
class Job:
    id: int
    job_type: str
    state: str
    hostname: str
    pid: int
    start_date: datetime
    end_date: datetime | None
    latest_heartbeat: datetime


def list_jobs(ctx: ServiceContext, *, is_alive: bool | None = None, limit: int | None = None, offset: int = 0,
              order_by: list[str] | None = None, **filters: Any) -> Page[Job]:
    """Jobs filtered as ``store.jobs.query`` takes them; ``is_alive``: only running jobs whose
    heartbeat is within ``[scheduler] scheduler_health_check_threshold`` (False: all the others)."""
    since = utcnow() - timedelta(seconds=ctx.settings.scheduler_health_check_threshold)
    with ctx.db.read() as session:
        try:
            if is_alive is False:
                alive, _ = job_store.query(session, alive_since=since, **filters)
                rows, _ = job_store.query(session, order_by=order_by or ["id"], **filters)
                living = {row.id for row in alive}
                rows = [row for row in rows if row.id not in living]
                total, rows = len(rows), rows[offset:None if limit is None else offset + limit]
            else:
                rows, total = job_store.query(session, alive_since=since if is_alive else None,
                                              order_by=order_by or ["id"], limit=limit, offset=offset, **filters)
        except UnknownSortField as err:
            raise InvalidRequest(str(err)) from None
    return Page([Job(id=r.id, job_type=r.job_type, state=r.state, hostname=r.hostname, pid=r.pid,
                     start_date=r.start_date, end_date=r.end_date, latest_heartbeat=r.latest_heartbeat)
                 for r in rows], total)
