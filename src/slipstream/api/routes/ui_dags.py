"""``/ui/dags``: the web UI's DAG list, a page of DAGs with each one's newest runs (their
states drawn as small squares) in one request; and ``/ui/dags/owners``, the owner filter's
choices. Filters and order are those of ``GET /api/v2/dags``. Viewer and above."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from slipstream.api.routes.dags import ORDER_HELP, DAGResponse, dag_filter, dag_response
from slipstream.api.security import READ, service_context
from slipstream.api.ui_models import RunSummaryResponse
from slipstream.services import dag_list
from slipstream.store.dag_listing import DagFilter

router = APIRouter(prefix="/ui", tags=["UI"], dependencies=[READ])


class ListedDagResponse(DAGResponse):
    latest_dag_runs: list[RunSummaryResponse] = Field(description="The DAG's newest runs, oldest of them first")


class DagListResponse(BaseModel):
    dags: list[ListedDagResponse]
    total_entries: int


class DagOwnersResponse(BaseModel):
    owners: list[str]


@router.get("/dags")
def get_dag_list(
    request: Request,
    where: DagFilter = Depends(dag_filter),
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    order_by: list[str] = Query(default=["dag_id"], description=ORDER_HELP),
    runs: Annotated[int, Query(ge=0, le=dag_list.MAX_RUNS_PER_DAG, description="Newest runs per DAG")] = 10,
    search: Annotated[str | None, Query(description="A case-insensitive substring of the dag id or of its "
                                        "display name")] = None,
) -> DagListResponse:
    """A page of DAGs (filtered as GET /api/v2/dags, and by ``search``) with each one's ``runs``
    newest runs."""
    if search:
        where = dataclasses.replace(where, search=search)
    page = dag_list.dag_list(service_context(request), where, order_by, limit=limit, offset=offset, runs=runs)
    return DagListResponse(
        dags=[
            ListedDagResponse(**dag_response(listed.dag).model_dump(),
                              latest_dag_runs=[RunSummaryResponse.model_validate(run) for run in listed.latest_runs])
            for listed in page.dags
        ],
        total_entries=page.total_entries,
    )


@router.get("/dags/owners")
def get_dag_owners(request: Request) -> DagOwnersResponse:
    """The owners of the active DAGs, sorted (case-insensitive)."""
    return DagOwnersResponse(owners=dag_list.dag_owners(service_context(request)))
