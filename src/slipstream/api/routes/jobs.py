"""``/api/v2/jobs``: the schedulers that run or ran (Airflow's ``job`` table)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from slipstream.api.listing import Limit, Offset
from slipstream.api.listing import order_by_query as _order_by
from slipstream.api.security import READ, service_context
from slipstream.services import jobs
from slipstream.store.jobs import JOB_SORT

router = APIRouter(prefix="/api/v2/jobs", tags=["Job"])


class JobResponse(BaseModel):
    id: int
    dag_id: str | None
    state: str | None
    job_type: str | None
    start_date: datetime | None
    end_date: datetime | None
    latest_heartbeat: datetime | None
    executor_class: str | None
    hostname: str | None
    unixname: str | None
    dag_display_name: str | None = None


class JobCollectionResponse(BaseModel):
    jobs: list[JobResponse]
    total_entries: int


Date = datetime | None


@router.get("", dependencies=[READ])
def get_jobs(
    request: Request,
    is_alive: bool | None = Query(None, description="Running jobs whose heartbeat is recent (false: the others)."),
    start_date_gte: Date = None, start_date_gt: Date = None, start_date_lte: Date = None, start_date_lt: Date = None,
    end_date_gte: Date = None, end_date_gt: Date = None, end_date_lte: Date = None, end_date_lt: Date = None,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: Annotated[list[str], _order_by(list(JOB_SORT))] = ["id"],  # noqa: B006
    job_state: str | None = None,
    job_type: str | None = None,
    hostname: str | None = None,
    executor_class: str | None = Query(None, description="Slipstream records no executor class per job: a value "
                                       "matches no job."),
) -> JobCollectionResponse:
    """Every scheduler start is a ``SchedulerJob``; Slipstream records no DAG, executor class nor
    unix user per job, so those fields are null."""
    if executor_class is not None:
        return JobCollectionResponse(jobs=[], total_entries=0)
    page = jobs.list_jobs(
        service_context(request), is_alive=is_alive, limit=limit, offset=offset, order_by=order_by, state=job_state,
        job_type=job_type, hostname=hostname, start=(start_date_gte, start_date_gt, start_date_lte, start_date_lt),
        end=(end_date_gte, end_date_gt, end_date_lte, end_date_lt),
    )
    return JobCollectionResponse(
        jobs=[JobResponse(id=j.id, dag_id=None, state=j.state, job_type=j.job_type, start_date=j.start_date,
                          end_date=j.end_date, latest_heartbeat=j.latest_heartbeat, executor_class=None,
                          hostname=j.hostname, unixname=None) for j in page.items],
        total_entries=page.total_entries,
    )
