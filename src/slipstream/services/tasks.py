"""The tasks of a DAG as its serialized form describes them (operator, trigger rule, retries,
downstream tasks, params...), for ``tasks list`` and the REST API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.services.context import ServiceContext
from slipstream.services.dags import param_specs, serialized_dag
from slipstream.services.errors import InvalidRequest, NotFound

DEFAULT_UI_FGCOLOR = "#000"


@dataclass(frozen=True)
class Task:
    task_id: str
    task_display_name: str
    operator_name: str
    operator_module: str | None
    owner: str | None
    start_date: datetime | None
    end_date: datetime | None
    trigger_rule: str
    depends_on_past: bool
    wait_for_downstream: bool
    retries: int
    queue: str | None
    pool: str | None
    pool_slots: int
    execution_timeout: timedelta | None
    retry_delay: timedelta | None
    retry_exponential_backoff: float  # Airflow 3.3's meaning: 0 for a constant delay, else the factor
    priority_weight: int
    weight_rule: str | None
    ui_color: str | None
    ui_fgcolor: str | None
    template_fields: list[str]
    upstream_task_ids: list[str]
    downstream_task_ids: list[str]
    doc_md: str | None
    params: dict[str, Any]
    is_mapped: bool
    data: Mapping[str, Any]  # the whole serialized task, for what is not named above


# What ``order_by`` of the task list accepts (Airflow's list).
TASK_ORDER_FIELDS = (
    "task_id", "task_display_name", "owner", "start_date", "end_date", "trigger_rule", "depends_on_past",
    "wait_for_downstream", "retries", "queue", "pool", "pool_slots", "execution_timeout", "retry_delay",
    "retry_exponential_backoff", "priority_weight", "weight_rule", "ui_color", "ui_fgcolor", "operator_name",
)


def _seconds(value: float | None) -> timedelta | None:
    return timedelta(seconds=value) if value is not None else None


def _date(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def task_of(dag: SerializedDag, task_id: str) -> Task:
    data = dag.tasks[task_id].data
    backoff = float(data.get("retry_exponential_backoff") or 1.0)
    own_params = data.get("params")
    params = dag.params if own_params is None else type(dag.params).deserialize(own_params)
    return Task(
        task_id=task_id,
        task_display_name=data.get("task_display_name") or task_id,
        operator_name=data["operator"],
        operator_module=data.get("operator_module"),
        owner=data.get("owner"),
        start_date=_date(data.get("start_date")),
        end_date=_date(data.get("end_date")),
        trigger_rule=data["trigger_rule"],
        depends_on_past=bool(data.get("depends_on_past")),
        wait_for_downstream=bool(data.get("wait_for_downstream")),
        retries=int(data.get("retries") or 0),
        queue=data.get("queue"),
        pool=data.get("pool"),
        pool_slots=int(data.get("pool_slots") or 1),
        execution_timeout=_seconds(data.get("execution_timeout")),
        retry_delay=_seconds(data.get("retry_delay")),
        retry_exponential_backoff=0.0 if backoff == 1.0 else backoff,
        priority_weight=int(data.get("priority_weight") or 1),
        weight_rule=data.get("weight_rule"),
        ui_color=data.get("ui_color"),
        ui_fgcolor=data.get("ui_fgcolor", DEFAULT_UI_FGCOLOR),
        template_fields=list(data.get("template_fields") or []),
        upstream_task_ids=list(data.get("upstream") or []),
        downstream_task_ids=list(data.get("downstream") or []),
        doc_md=data.get("doc_md"),
        params=param_specs(params, "task"),
        is_mapped=data.get("mapped") is not None or data.get("mapped_group") is not None,
        data=data,
    )


def list_tasks(ctx: ServiceContext, dag_id: str, order_by: str | None = None, *, include_stale: bool = False
               ) -> list[Task]:
    """The DAG's tasks, upstream before downstream, or by one field (``-`` for descending);
    tasks without a value for it come last. ``include_stale``: see ``dags.serialized_dag``."""
    dag = serialized_dag(ctx, dag_id, include_stale=include_stale)
    tasks = [task_of(dag, task_id) for task_id in dag.task_ids]
    if not order_by:
        return tasks
    name = order_by.lstrip("-")
    if name not in TASK_ORDER_FIELDS:
        raise InvalidRequest(f"Ordering tasks by {name!r} is not allowed: order_by takes one of "
                             f"{', '.join(TASK_ORDER_FIELDS)} (prefix with '-' for descending order)")
    present = [t for t in tasks if getattr(t, name) is not None]
    missing = [t for t in tasks if getattr(t, name) is None]
    present.sort(key=lambda t: getattr(t, name), reverse=order_by.startswith("-"))
    return present + missing


def get_task(ctx: ServiceContext, dag_id: str, task_id: str, *, include_stale: bool = False) -> Task:
    dag = serialized_dag(ctx, dag_id, include_stale=include_stale)
    if task_id not in dag.tasks:
        raise NotFound(f"Task {task_id!r} not found in DAG {dag_id!r}; its tasks: {', '.join(dag.task_ids)}")
    return task_of(dag, task_id)
