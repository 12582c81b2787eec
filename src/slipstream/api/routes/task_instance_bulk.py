"""``PATCH /api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances``: several task instances
marked or noted in one request, each entity in its own transaction and answered on its own
(``success`` keys ``dag_id.run_id.task_id[map_index]``, ``errors`` with a status), as Airflow's
bulk endpoint does. Creating task instances is refused (405), as in Airflow; deleting them is
not supported (501): clear or mark them."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from slipstream.api.errors import status_of
from slipstream.api.listing import BulkActionResponse, BulkBody, BulkCreateAction, BulkDeleteAction, BulkResponse
from slipstream.api.security import OPERATE, service_context
from slipstream.api.task_instance_filters import BIG
from slipstream.api.task_instance_models import NewState, StrictBody
from slipstream.services import task_instances, task_marking
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, ServiceError

router = APIRouter(prefix="/api/v2", tags=["Task Instance"])


class BulkTaskInstanceBody(StrictBody):
    new_state: NewState | None = None
    note: str | None = Field(default=None, max_length=1000)
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False
    task_id: str
    map_index: int | None = Field(default=None, ge=-1, le=BIG)
    dag_id: str | None = None
    dag_run_id: str | None = None


def _where(entity: BulkTaskInstanceBody, dag_id: str, dag_run_id: str) -> tuple[str, str]:
    run_dag, run_id = entity.dag_id or dag_id, entity.dag_run_id or dag_run_id
    if "~" in (run_dag, run_id):
        raise InvalidRequest(f"Give the dag_id and dag_run_id of task {entity.task_id!r} in its entity when the "
                             "path has ~")
    return run_dag, run_id


def _key(run_dag: str, run_id: str, task_id: str, map_index: int | None) -> str:
    return f"{run_dag}.{run_id}.{task_id}[{-1 if map_index is None else map_index}]"


def _update(ctx: ServiceContext, entities: list[BulkTaskInstanceBody], update_mask: list[str] | None,
            on_missing: str, dag_id: str, dag_run_id: str) -> BulkActionResponse:
    result = BulkActionResponse()
    unknown = sorted(set(update_mask or ()) - {"new_state", "note"})
    if unknown:
        result.errors.append({"error": f"update_mask may name new_state and note, not {', '.join(unknown)}",
                              "status_code": 400})
        return result
    targets = []
    for entity in entities:
        try:
            run_dag, run_id = _where(entity, dag_id, dag_run_id)
        except ServiceError as err:
            result.errors.append({"error": str(err), "status_code": status_of(err)})
            continue
        targets.append((run_dag, run_id, entity))
    missing = [_key(d, r, e.task_id, e.map_index) for d, r, e in targets
               if not task_instances.instance_exists(ctx, d, r, e.task_id, e.map_index)]
    if missing and on_missing == "fail":
        result.errors.append({"error": f"These task instances were not found: {', '.join(missing)}; nothing was "
                              "changed", "status_code": 404})
        return result
    for run_dag, run_id, entity in targets:
        if _key(run_dag, run_id, entity.task_id, entity.map_index) in missing:
            continue
        given = entity.model_fields_set & set(update_mask or ("new_state", "note"))
        request = task_marking.MarkRequest(
            new_state=entity.new_state if "new_state" in given else None, note=entity.note, set_note="note" in given,
            map_index=entity.map_index, include_upstream=entity.include_upstream,
            include_downstream=entity.include_downstream, include_past=entity.include_past,
            include_future=entity.include_future,
        )
        try:
            task_marking.mark_task_instance(ctx, run_dag, run_id, entity.task_id, request)
        except ServiceError as err:
            result.errors.append({"error": str(err), "status_code": status_of(err)})
        else:
            result.success.append(_key(run_dag, run_id, entity.task_id, entity.map_index))
    return result


@router.patch("/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", dependencies=[OPERATE])
def bulk_task_instances(
    request: Request, dag_id: str, dag_run_id: str, body: BulkBody[BulkTaskInstanceBody]
) -> BulkResponse:
    """Set the state or note of several task instances (``~`` in the path: each entity names its
    dag_id and dag_run_id)."""
    ctx = service_context(request)
    answer = BulkResponse()
    for action in body.actions:
        if isinstance(action, BulkCreateAction):
            answer.create = BulkActionResponse(errors=[{
                "error": "Task instances cannot be created in bulk: they come with their DAG run", "status_code": 405,
            }])
        elif isinstance(action, BulkDeleteAction):
            answer.delete = BulkActionResponse(errors=[{
                "error": "Deleting task instances is not supported: clear them (POST /api/v2/dags/{dag_id}/"
                         "clearTaskInstances) or set their state instead", "status_code": 501,
            }])
        else:
            answer.update = _update(ctx, action.entities, action.update_mask, action.action_on_non_existence.value,
                                    dag_id, dag_run_id)
    return answer


