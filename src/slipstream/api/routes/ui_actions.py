"""``/ui/...`` previews of clearing and marking task instances for the web UI's action dialogs:
the count, the count by state and the first task instances (``limit``), where Airflow's dry runs
(``clearTaskInstances`` with ``dry_run``, ``PATCH .../dry_run``) answer every task instance in full.
Users of role User and above, as for the actions themselves."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from slipstream.api.listing import MAX_ROW_ID
from slipstream.api.security import OPERATE, service_context
from slipstream.api.task_instance_filters import split_task_ids
from slipstream.api.task_instance_models import TaskInstanceResponse
from slipstream.services import action_preview, clearing, task_marking
from slipstream.services.context import ServiceContext

router = APIRouter(prefix="/ui/dags/{dag_id}", tags=["UI"], dependencies=[OPERATE])

Ctx = Annotated[ServiceContext, Depends(service_context)]
Limit = Annotated[int, Field(ge=0, le=action_preview.MAX_LIMIT)]


class ActionPreviewResponse(BaseModel):
    total_entries: int = Field(description="How many task instances the action would change")
    states: dict[str, int] = Field(description="How many of them are in each state now ('none': no state yet)")
    task_instances: list[TaskInstanceResponse] = Field(description="The first `limit` of them, as they are now")


def _response(found: action_preview.ActionPreview) -> ActionPreviewResponse:
    return ActionPreviewResponse(total_entries=found.total, states=found.states,
                                 task_instances=[TaskInstanceResponse.of(ti) for ti in found.task_instances])


class ClearPreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dag_run_id: str
    task_ids: list[str | tuple[str, Annotated[int, Field(ge=-1, le=MAX_ROW_ID)]]] | None = Field(
        default=None, description="Task ids, or [task_id, map_index] pairs; none: every task of the run")
    include_upstream: bool = False
    include_downstream: bool = False
    include_past: bool = False
    include_future: bool = False
    only_failed: bool = False
    limit: Limit = 500


@router.post("/actionPreview/clear")
def preview_clear(dag_id: str, body: ClearPreviewBody, ctx: Ctx) -> ActionPreviewResponse:
    """What ``POST /api/v2/dags/{dag_id}/clearTaskInstances`` with these options would clear."""
    task_ids, map_indexes = split_task_ids(body.task_ids)
    request = clearing.ClearRequest(
        task_ids=task_ids, map_indexes=map_indexes, run_id=body.dag_run_id, only_failed=body.only_failed,
        include_upstream=body.include_upstream, include_downstream=body.include_downstream,
        include_past=body.include_past, include_future=body.include_future, dry_run=True,
    )
    return _response(action_preview.preview_clear(ctx, dag_id, request, body.limit))


class MarkPreviewBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    task_id: str
    map_index: Annotated[int, Field(ge=-1, le=MAX_ROW_ID)] | None = Field(
        default=None, description="One instance; none: every instance of the task")
    new_state: Literal["success", "failed", "skipped"]
    include_upstream: bool = False
    include_downstream: bool = False
    include_past: bool = False
    include_future: bool = False
    limit: Limit = 500


@router.post("/dagRuns/{dag_run_id}/actionPreview/mark")
def preview_mark(dag_id: str, dag_run_id: str, body: MarkPreviewBody, ctx: Ctx) -> ActionPreviewResponse:
    """What ``PATCH .../taskInstances/{task_id}[/{map_index}]`` with this new state would change."""
    request = task_marking.MarkRequest(
        new_state=body.new_state, map_index=body.map_index, include_upstream=body.include_upstream,
        include_downstream=body.include_downstream, include_past=body.include_past,
        include_future=body.include_future, dry_run=True,
    )
    return _response(action_preview.preview_mark(ctx, dag_id, dag_run_id, body.task_id, request, body.limit))
