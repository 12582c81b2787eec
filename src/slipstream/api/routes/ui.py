"""Slipstream's own ``/ui/...`` endpoints: the data the web UI draws (a DAG's graph, its grid of
runs and task states, the home page's counts), shaped for speed rather than for Airflow's client.
Airflow 3 has private ``/ui`` endpoints too; these are not the same and may change with the UI.
Any logged-in user may read them (Viewer and above)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from slipstream.api.security import READ, service_context
from slipstream.api.ui_models import FromService, RunSummaryResponse, json_response
from slipstream.services import dashboard, grid, structure

router = APIRouter(prefix="/ui", tags=["UI"], dependencies=[READ])


class StructureNode(FromService):
    id: str
    label: str = Field(description="What to show: the task's display name, or its id without its group's prefix")
    type: Literal["task", "group"]
    is_mapped: bool = Field(description="A mapped task, or a mapped task group: its instances have map indexes")
    operator: str | None = None
    setup_teardown_type: Literal["setup", "teardown"] | None = None
    tooltip: str | None = None
    children: list[StructureNode] | None = Field(None, description="A group's tasks and groups, in DAG order")


class StructureEdge(FromService):
    source_id: str
    target_id: str
    label: str | None = Field(None, description="The edge's Label, when the DAG gives one")
    is_setup_teardown: bool = Field(False, description="Joins a setup to its teardown")


class StructureResponse(FromService):
    dag_id: str
    nodes: list[StructureNode]
    edges: list[StructureEdge] = Field(description="Between tasks only: a collapsed group takes its tasks' edges")


class GridRunResponse(RunSummaryResponse):
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    has_note: bool


class GridRowResponse(FromService):
    id: str
    label: str
    type: Literal["task", "group"]
    depth: int = Field(description="0 at the top level, 1 inside a group, ...")
    parent: str | None = Field(None, description="The group this row is in; left out at the top level")
    is_mapped: bool
    setup_teardown_type: Literal["setup", "teardown"] | None = None
    states: list[str | None] = Field(
        description="One per run, in the order of `runs`: the task's state ('none': not yet decided), or for a "
        "mapped task or a group the state that matters most among its instances; null: no instance in that run"
    )
    counts: list[dict[str, int] | None] | None = Field(
        None, description="Mapped tasks and groups only: one per run, its instances by state"
    )


class GridResponse(FromService):
    dag_id: str
    runs: list[GridRunResponse] = Field(description="The page of runs, newest first by default")
    rows: list[GridRowResponse] = Field(description="Tasks and groups in DAG order, each group before its children")
    total_runs: int = Field(description="Runs matching the filters, all pages")


class DagCountsResponse(FromService):
    total: int
    active: int
    paused: int
    running: int
    queued: int
    failed: int = Field(description="DAGs whose newest run failed")
    import_errors: int = Field(description="DAG files that fail to load")


class DashboardResponse(FromService):
    dags: DagCountsResponse
    dag_runs: dict[str, int]
    task_instances: dict[str, int]


@router.get("/structure/{dag_id}", response_model=StructureResponse)
def get_structure(dag_id: str, request: Request) -> Response:
    """The DAG's graph from its serialized form: tasks nested in task groups, and edges between tasks."""
    return json_response(StructureResponse.model_validate(structure.dag_structure(service_context(request), dag_id)))


@router.get("/grid/{dag_id}", response_model=GridResponse, response_model_exclude_none=True)
def get_grid(
    dag_id: str,
    request: Request,
    limit: Annotated[int, Query(ge=1, le=grid.MAX_RUNS, description="How many runs")] = 25,
    offset: Annotated[int, Query(ge=0)] = 0,
    order_by: Annotated[str, Query(description="id, logical_date, start_date, end_date or queued_at; "
                                   "'-' first for descending")] = "-id",
    state: Annotated[list[str] | None, Query(description="Only runs in these states")] = None,
    run_type: Annotated[list[str] | None, Query(description="Only runs of these types")] = None,
) -> Response:
    """A page of the DAG's runs and, for each task and group, its state in each of them. Null
    fields are left out to keep the answer small (a DAG of 1,000 tasks has 1,000 rows)."""
    found = grid.dag_grid(service_context(request), dag_id, limit=limit, offset=offset, order_by=order_by,
                          states=state or (), run_types=run_type or ())
    return json_response(GridResponse.model_validate(found), exclude_none=True)


@router.get("/dashboard")
def get_dashboard(request: Request) -> DashboardResponse:
    """How many DAGs, DAG runs and task instances are in each state (the whole store)."""
    return DashboardResponse.model_validate(dashboard.dashboard(service_context(request)))
