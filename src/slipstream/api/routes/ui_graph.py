"""The UI's graph view: the states of one run's task instances, polled while the run runs (the
graph's shape comes from ``/ui/structure``). Any logged-in user may read it."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request, Response
from pydantic import Field

from slipstream.api.security import READ, service_context
from slipstream.api.ui_models import FromService, json_response
from slipstream.services import run_states

router = APIRouter(prefix="/ui", tags=["UI"], dependencies=[READ])


class RunStatesResponse(FromService):
    dag_id: str
    run_id: str
    run_state: str
    start_date: datetime | None = None
    end_date: datetime | None = None
    task_states: dict[str, str] = Field(
        description="{task_id: state} of every task with an instance in the run ('none': not yet decided); a mapped "
        "task: the state that matters most among its instances"
    )
    group_states: dict[str, str] = Field(description="{group_id: state} of task groups, summed over their instances")
    counts: dict[str, dict[str, int]] = Field(
        description="Mapped tasks and task groups only: {id: {state: instances}}"
    )


@router.get("/run_states/{dag_id}/{run_id}", response_model=RunStatesResponse)
def get_run_states(dag_id: str, run_id: str, request: Request) -> Response:
    """The states of one run's task instances by task, and of its task groups: what the graph
    view polls to colour its nodes while the run runs."""
    found = run_states.run_states(service_context(request), dag_id, run_id)
    return json_response(RunStatesResponse.model_validate(found))
