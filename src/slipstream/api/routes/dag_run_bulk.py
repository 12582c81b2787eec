"""``PATCH /api/v2/dags/{dag_id}/dagRuns``: several runs marked, noted or deleted in one request,
each answered on its own (``success`` keys ``dag_id.run_id``, ``errors`` with a status each), as
Airflow's bulk endpoint does. Creating runs this way is refused, as in Airflow: trigger them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from slipstream.api.errors import status_of
from slipstream.api.routes.dag_runs import DagRunMutableStates
from slipstream.api.security import OPERATE, service_context
from slipstream.services import dag_runs, run_actions
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, ServiceError

router = APIRouter(prefix="/api/v2/dags/{dag_id}/dagRuns", tags=["DagRun"])


class BulkDAGRunBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dag_run_id: str
    dag_id: str | None = None
    state: DagRunMutableStates | None = None
    note: str | None = Field(default=None, max_length=1000)


class BulkCreateAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["create"]
    entities: list[BulkDAGRunBody]
    action_on_existence: Literal["fail", "skip", "overwrite"] = "fail"


class BulkUpdateAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["update"]
    entities: list[BulkDAGRunBody]
    update_mask: list[str] | None = None
    action_on_non_existence: Literal["fail", "skip"] = "fail"


class BulkDeleteAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["delete"]
    entities: list[str | BulkDAGRunBody]
    action_on_non_existence: Literal["fail", "skip"] = "fail"


class BulkBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actions: list[Annotated[BulkCreateAction | BulkUpdateAction | BulkDeleteAction, Field(discriminator="action")]]


class BulkActionResponse(BaseModel):
    success: list[str] = []
    errors: list[dict[str, Any]] = []


class BulkResponse(BaseModel):
    create: BulkActionResponse | None = None
    update: BulkActionResponse | None = None
    delete: BulkActionResponse | None = None


def _keys(dag_id: str, entities: list[Any], result: BulkActionResponse) -> list[tuple[str, str, Any]]:
    keys = []
    for entity in entities:
        run_dag, run_id = (dag_id, entity) if isinstance(entity, str) else (entity.dag_id or dag_id, entity.dag_run_id)
        if run_dag == dag_runs.ALL_DAGS:
            result.errors.append({"error": f"Give the dag_id of run {run_id!r} in its body when the path's dag_id is ~",
                                  "status_code": 400})
            continue
        keys.append((run_dag, run_id, entity))
    return keys


def _missing(ctx: ServiceContext, keys: list[tuple[str, str, Any]]) -> list[str]:
    missing = []
    for run_dag, run_id, _ in keys:
        try:
            dag_runs.get_run(ctx, run_dag, run_id)
        except ServiceError:
            missing.append(f"{run_dag}.{run_id}")
    return missing


def _apply(ctx: ServiceContext, action: BulkUpdateAction | BulkDeleteAction, dag_id: str) -> BulkActionResponse:
    result = BulkActionResponse()
    keys = _keys(dag_id, action.entities, result)
    missing = _missing(ctx, keys)
    if missing and action.action_on_non_existence == "fail":
        result.errors.append({"error": f"These DAG runs were not found: {', '.join(missing)}; nothing was changed",
                              "status_code": 404})
        return result
    for run_dag, run_id, entity in keys:
        if f"{run_dag}.{run_id}" in missing:
            continue
        try:
            if isinstance(action, BulkDeleteAction):
                run_actions.delete_run(ctx, run_dag, run_id)
            elif isinstance(entity, str):
                raise InvalidRequest(f"Updating run {run_id!r} needs an object with its fields, not a string")
            else:
                fields = entity.model_fields_set & set(action.update_mask or ("state", "note"))
                state = entity.state.value if "state" in fields and entity.state is not None else None
                note = entity.note if "note" in fields else run_actions.UNSET
                run_actions.update_run(ctx, run_dag, run_id, state=state, note=note)
            result.success.append(f"{run_dag}.{run_id}")
        except ServiceError as err:
            result.errors.append({"error": str(err), "status_code": status_of(err)})
    return result


@router.patch("", dependencies=[OPERATE])
def bulk_dag_runs(dag_id: str, body: BulkBody, ctx: Annotated[ServiceContext, Depends(service_context)]) -> BulkResponse:
    """Mark, note or delete several runs; ``~`` as dag_id with each run's dag_id in its entity."""
    answer = BulkResponse()
    for action in body.actions:
        if isinstance(action, BulkCreateAction):
            answer.create = BulkActionResponse(errors=[{
                "error": "DAG runs cannot be created in bulk: trigger each with POST /api/v2/dags/{dag_id}/dagRuns",
                "status_code": 405,
            }])
        elif isinstance(action, BulkUpdateAction):
            answer.update = _apply(ctx, action, dag_id)
        else:
            answer.delete = _apply(ctx, action, dag_id)
    return answer
