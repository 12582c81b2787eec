"""The UI's Gantt chart of a run (every try of every task instance, one request instead of one
per task) and a DAG's task durations across its newest runs. Any logged-in user may read them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from slipstream.api.security import READ, service_context
from slipstream.api.ui_models import FromService, RunSummaryResponse, json_response
from slipstream.services import gantt

router = APIRouter(prefix="/ui", tags=["UI"], dependencies=[READ])


class GanttTryResponse(FromService):
    task_id: str
    map_index: int = Field(description="-1 for a task that is not mapped")
    rendered_map_index: str | None = Field(None, description="The map_index_template's name, when rendered")
    try_number: int = Field(description="0: not tried yet")
    state: str | None = Field(None, description="The try's state (a past try's: from its log, null if unknown)")
    queued_when: datetime | None = Field(None, description="When the try was queued (current try only)")
    start_date: datetime | None = None
    end_date: datetime | None = None


class GanttResponse(FromService):
    dag_id: str
    run_id: str
    state: str = Field(description="The run's state")
    queued_at: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    tries: list[GanttTryResponse] = Field(description="Task by task in map index order, each one's tries oldest first")


class TaskDurationsResponse(FromService):
    task_id: str
    durations: list[float | None] = Field(
        description="One per run, in the order of `runs`: seconds from the task's first start to its last end "
        "(all its mapped instances); null while not ended or without an instance"
    )
    queued: list[float | None] = Field(description="One per run: seconds from its first queue to its first start")


class DurationsResponse(FromService):
    dag_id: str
    runs: list[RunSummaryResponse] = Field(description="The newest runs, oldest first")
    tasks: list[TaskDurationsResponse] = Field(description="The DAG's tasks in DAG order")


@router.get("/gantt/{dag_id}/{run_id}", response_model=GanttResponse)
def get_gantt(dag_id: str, run_id: str, request: Request) -> Response:
    """Every try of every task instance of the run: when it was queued, started and ended."""
    return json_response(GanttResponse.model_validate(gantt.run_gantt(service_context(request), dag_id, run_id)))


@router.get("/durations/{dag_id}", response_model=DurationsResponse)
def get_durations(
    dag_id: str,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=gantt.MAX_DURATION_RUNS, description="How many of the newest runs")] = 25,
) -> Response:
    """How long each task (and each run) took in the DAG's newest runs."""
    found = gantt.dag_durations(service_context(request), dag_id, limit=limit)
    return json_response(DurationsResponse.model_validate(found))
