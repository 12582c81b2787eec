"""``/api/v2/dags/{dag_id}/tasks``: the tasks of a DAG, from its serialized form."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from slipstream.api.security import READ, service_context
from slipstream.services import tasks
from slipstream.services.tasks import Task

router = APIRouter(prefix="/api/v2", tags=["Task"])


class TimeDelta(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    type: str = Field(default="TimeDelta", alias="__type")
    days: int
    seconds: int
    microseconds: int


class TaskResponse(BaseModel):
    task_id: str | None
    task_display_name: str | None
    owner: str | None
    start_date: datetime | None
    end_date: datetime | None
    trigger_rule: str | None
    depends_on_past: bool
    wait_for_downstream: bool
    retries: float | None
    queue: str | None
    pool: str | None
    pool_slots: float | None
    execution_timeout: TimeDelta | None
    retry_delay: TimeDelta | None
    retry_exponential_backoff: float
    priority_weight: float | None
    weight_rule: str | None
    ui_color: str | None
    ui_fgcolor: str | None
    template_fields: list[str] | None
    downstream_task_ids: list[str] | None
    doc_md: str | None
    operator_name: str | None
    params: dict[str, Any] | None
    class_ref: dict[str, Any] | None
    is_mapped: bool | None
    extra_links: list[str]


class TaskCollectionResponse(BaseModel):
    tasks: list[TaskResponse]
    total_entries: int


def _delta(value: timedelta | None) -> TimeDelta | None:
    if value is None:
        return None
    return TimeDelta(days=value.days, seconds=value.seconds, microseconds=value.microseconds)


def task_response(task: Task) -> TaskResponse:
    return TaskResponse(
        task_id=task.task_id, task_display_name=task.task_display_name, owner=task.owner,
        start_date=task.start_date, end_date=task.end_date, trigger_rule=task.trigger_rule,
        depends_on_past=task.depends_on_past, wait_for_downstream=task.wait_for_downstream, retries=task.retries,
        queue=task.queue, pool=task.pool, pool_slots=task.pool_slots, execution_timeout=_delta(task.execution_timeout),
        retry_delay=_delta(task.retry_delay), retry_exponential_backoff=task.retry_exponential_backoff,
        priority_weight=task.priority_weight, weight_rule=task.weight_rule, ui_color=task.ui_color,
        ui_fgcolor=task.ui_fgcolor, template_fields=task.template_fields, downstream_task_ids=task.downstream_task_ids,
        doc_md=task.doc_md, operator_name=task.operator_name, params=task.params,
        class_ref={"module_path": task.operator_module, "class_name": task.operator_name},
        is_mapped=task.is_mapped, extra_links=[],
    )


@router.get("/dags/{dag_id}/tasks", dependencies=[READ])
def get_tasks(request: Request, dag_id: str, order_by: str = "task_id") -> TaskCollectionResponse:
    """The tasks as the DAG's last parse recorded them (also of a DAG whose file is gone)."""
    found = tasks.list_tasks(service_context(request), dag_id, order_by, include_stale=True)
    return TaskCollectionResponse(tasks=[task_response(task) for task in found], total_entries=len(found))


@router.get("/dags/{dag_id}/tasks/{task_id}", dependencies=[READ])
def get_task(request: Request, dag_id: str, task_id: str) -> TaskResponse:
    return task_response(tasks.get_task(service_context(request), dag_id, task_id, include_stale=True))
