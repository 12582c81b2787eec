"""A task instance's state store (Airflow 3.3's ``.../taskInstances/{task_id}/state-store``): the
keys its tries keep; Viewer reads, User writes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict

from slipstream.api.listing import Limit, Offset, utc
from slipstream.api.security import OPERATE, READ, service_context
from slipstream.api.task_instance_filters import MapIndexQuery
from slipstream.services import task_state_store as service

router = APIRouter(prefix="/api/v2", tags=["Task State Store"])
STORE = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/state-store"


class TaskStateStoreResponse(BaseModel):
    key: str
    value: Any
    updated_at: datetime
    expires_at: datetime | None


class TaskStateStoreCollectionResponse(BaseModel):
    task_state_store: list[TaskStateStoreResponse]
    total_entries: int


class TaskStateStoreBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Any
    expires_at: datetime | Literal["default"] | None = "default"


class TaskStateStorePatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Any


def _response(found: service.StateKey) -> TaskStateStoreResponse:
    return TaskStateStoreResponse(key=found.key, value=found.value, updated_at=found.updated_at,
                                  expires_at=found.expires_at)


@router.get(STORE, dependencies=[READ])
def list_task_state_store(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int = MapIndexQuery(),
    limit: Limit = 50, offset: Offset = 0,
) -> TaskStateStoreCollectionResponse:
    page = service.list_keys(service_context(request), dag_id, dag_run_id, task_id, map_index=map_index, limit=limit,
                             offset=offset)
    return TaskStateStoreCollectionResponse(task_state_store=[_response(k) for k in page.items],
                                            total_entries=page.total_entries)


@router.delete(STORE, dependencies=[OPERATE], status_code=204)
def clear_task_state_store(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, all_map_indices: bool = False,
    map_index: int = MapIndexQuery(),
) -> Response:
    service.clear_keys(service_context(request), dag_id, dag_run_id, task_id, map_index=map_index,
                       all_map_indices=all_map_indices)
    return Response(status_code=204)


@router.get(STORE + "/{key}", dependencies=[READ])
def get_task_state_store(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, key: str, map_index: int = MapIndexQuery()
) -> TaskStateStoreResponse:
    return _response(service.get_key(service_context(request), dag_id, dag_run_id, task_id, key, map_index=map_index))


@router.put(STORE + "/{key}", dependencies=[OPERATE], status_code=204)
def set_task_state_store(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, key: str, body: TaskStateStoreBody,
    map_index: int = MapIndexQuery(),
) -> Response:
    """Write or overwrite a key; ``expires_at``: a date, null for never, or "default" (30 days)."""
    service.set_key(service_context(request), dag_id, dag_run_id, task_id, key, body.value, map_index=map_index,
                    expires_at=utc(body.expires_at) if isinstance(body.expires_at, datetime) else body.expires_at)
    return Response(status_code=204)


@router.patch(STORE + "/{key}", dependencies=[OPERATE])
def patch_task_state_store(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, key: str, body: TaskStateStorePatchBody,
    map_index: int = MapIndexQuery(),
) -> TaskStateStoreResponse:
    """A new value for an existing key; its expiry stays."""
    return _response(service.change_key(service_context(request), dag_id, dag_run_id, task_id, key, body.value,
                                        map_index=map_index))


@router.delete(STORE + "/{key}", dependencies=[OPERATE], status_code=204)
def delete_task_state_store(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, key: str, map_index: int = MapIndexQuery()
) -> Response:
    service.delete_key(service_context(request), dag_id, dag_run_id, task_id, key, map_index=map_index)
    return Response(status_code=204)
