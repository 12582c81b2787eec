"""``/api/v2/dagTags``, ``/api/v2/dagStats`` and ``/api/v2/dagWarnings``: what is known across DAGs."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from slipstream.api.listing import Limit, Offset
from slipstream.api.routes.dags import PATTERN_HELP, PREFIX_HELP, RunState
from slipstream.api.security import READ, service_context
from slipstream.services import dags
from slipstream.services.ordering import parse_order_by

router = APIRouter(prefix="/api/v2")


class DAGTagCollectionResponse(BaseModel):
    tags: list[str]
    total_entries: int


class DagStatsStateResponse(BaseModel):
    state: RunState
    count: int


class DagStatsResponse(BaseModel):
    dag_id: str
    dag_display_name: str
    stats: list[DagStatsStateResponse]


class DagStatsCollectionResponse(BaseModel):
    dags: list[DagStatsResponse]
    total_entries: int


WarningType = Literal["asset conflict", "non-existent pool", "runtime varying value"]


class DAGWarningResponse(BaseModel):
    dag_id: str
    warning_type: WarningType
    message: str
    timestamp: datetime
    dag_display_name: str


class DAGWarningCollectionResponse(BaseModel):
    dag_warnings: list[DAGWarningResponse]
    total_entries: int


@router.get("/dagTags", tags=["DAG"], dependencies=[READ])
def get_dag_tags(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: list[str] = Query(default=["name"], description="`name` or `-name`."),
    tag_name_pattern: str | None = Query(None, description=PATTERN_HELP),
    tag_name_prefix_pattern: str | None = Query(None, description=PREFIX_HELP),
) -> DAGTagCollectionResponse:
    """The tags of the DAGs whose file still defines them, each once."""
    page = dags.list_tags(service_context(request), order_by=order_by, pattern=tag_name_pattern,
                          prefix_pattern=tag_name_prefix_pattern, limit=limit, offset=offset)
    return DAGTagCollectionResponse(tags=page.items, total_entries=page.total_entries)


@router.get("/dagStats", tags=["DagStats"], dependencies=[READ])
def get_dag_stats(request: Request, dag_ids: list[str] = Query(default=[])) -> DagStatsCollectionResponse:
    """How many runs each DAG (that has runs) has in each state."""
    found = dags.run_counts(service_context(request), dag_ids or None)
    return DagStatsCollectionResponse(
        dags=[
            DagStatsResponse(dag_id=entry.dag_id, dag_display_name=entry.dag_display_name,
                             stats=[DagStatsStateResponse(state=state, count=count)
                                    for state, count in entry.counts.items()])
            for entry in found
        ],
        total_entries=len(found),
    )


@router.get("/dagWarnings", tags=["DagWarning"], dependencies=[READ])
def list_dag_warnings(
    dag_id: str | None = None,
    warning_type: WarningType | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: list[str] = Query(default=["dag_id"]),
) -> DAGWarningCollectionResponse:
    """Always empty: Slipstream raises none of Airflow's DAG warnings (a DAG naming a pool that does
    not exist gets an error when its task is queued; asset conflicts and runtime-varying values are
    not checked)."""
    parse_order_by(order_by, ("dag_id", "warning_type", "message", "timestamp"))
    return DAGWarningCollectionResponse(dag_warnings=[], total_entries=0)
