"""``/api/v2/dagSources/{dag_id}``: the code of a DAG's file."""

from __future__ import annotations

from fastapi import APIRouter, Header, Request, Response
from pydantic import BaseModel

from slipstream.api.security import READ, service_context
from slipstream.services.dag_sources import dag_source

router = APIRouter(prefix="/api/v2", tags=["DagSource"])


class DAGSourceResponse(BaseModel):
    content: str | None
    dag_id: str
    version_number: int | None
    dag_display_name: str


@router.get(
    "/dagSources/{dag_id}", dependencies=[READ], response_model=DAGSourceResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def get_dag_source(
    request: Request, dag_id: str, version_number: int | None = None, accept: str = Header("*/*"),
) -> DAGSourceResponse | Response:
    """The current content of the DAG's file, as JSON, or as text with `Accept: text/plain`.
    There are no older versions to ask for."""
    source = dag_source(service_context(request), dag_id, version_number)
    if accept.split(",")[0].strip().startswith("text/plain"):
        return Response(source.content, media_type="text/plain")
    return DAGSourceResponse(content=source.content, dag_id=source.dag_id, version_number=None,
                             dag_display_name=source.dag_display_name)
