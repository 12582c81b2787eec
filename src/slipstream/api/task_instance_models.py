"""Request and response bodies of the task instance, try, log and XCom endpoints: Airflow 3's
field names and types, so its official client reads our answers."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from slipstream.api.listing import MAX_ROW_ID, DateRangeFilters, StrictBody
from slipstream.services.task_instances import TaskInstance
from slipstream.services.task_tries import TaskTry

NewState = Literal["success", "failed", "skipped"]


class TaskInstanceResponse(BaseModel):
    id: str = Field(description="Stable UUID made from Slipstream's integer id of the task instance")
    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    logical_date: datetime | None
    run_after: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    state: str | None = Field(description="None while the task instance has no state yet")
    try_number: int
    max_tries: int
    task_display_name: str
    dag_display_name: str
    hostname: str | None
    unixname: str | None
    pool: str
    pool_slots: int
    queue: str | None
    priority_weight: int | None
    operator: str | None
    operator_name: str | None
    queued_when: datetime | None
    scheduled_when: datetime | None = Field(description="Not recorded by Slipstream: always null")
    pid: int | None
    executor: str | None
    executor_config: str
    note: str | None
    rendered_map_index: str | None
    rendered_fields: dict[str, Any] = {}
    trigger: None = Field(description="Slipstream has no deferrable tasks: always null")
    triggerer_job: None = Field(description="Slipstream has no triggerer: always null")
    dag_version: None = Field(description="Slipstream keeps no DAG versions: always null")

    @classmethod
    def of(cls, ti: TaskInstance) -> TaskInstanceResponse:
        return cls(**asdict(ti))


class TaskInstanceCollectionResponse(BaseModel):
    task_instances: list[TaskInstanceResponse]
    total_entries: int | None
    total_entries_limit: int | None = None
    next_cursor: str | None = None
    previous_cursor: str | None = None


class TaskInstanceHistoryResponse(BaseModel):
    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    state: str | None
    try_number: int
    max_tries: int
    task_display_name: str
    dag_display_name: str
    hostname: str | None
    unixname: str | None
    pool: str
    pool_slots: int
    queue: str | None
    priority_weight: int | None
    operator: str | None
    operator_name: str | None
    queued_when: datetime | None
    scheduled_when: datetime | None
    pid: int | None
    executor: str | None
    executor_config: str
    dag_version: None

    @classmethod
    def of(cls, found: TaskTry) -> TaskInstanceHistoryResponse:
        return cls(**asdict(found))


class TaskInstanceHistoryCollectionResponse(BaseModel):
    task_instances: list[TaskInstanceHistoryResponse]
    total_entries: int


class TaskInstancesBatchBody(DateRangeFilters):
    dag_ids: list[str] | None = None
    dag_run_ids: list[str] | None = None
    task_ids: list[str] | None = None
    state: list[str | None] | None = None
    pool: list[str] | None = None
    queue: list[str] | None = None
    executor: list[str] | None = None
    page_offset: int = Field(default=0, ge=0, le=MAX_ROW_ID)
    page_limit: int = Field(default=100, ge=0, le=MAX_ROW_ID)
    order_by: str | None = None


class PatchTaskInstanceBody(StrictBody):
    new_state: NewState | None = None
    note: str | None = Field(default=None, max_length=1000)
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False


class ClearTaskInstancesBody(StrictBody):
    dry_run: bool = True
    start_date: datetime | None = None
    end_date: datetime | None = None
    only_failed: bool = True
    only_running: bool = False
    reset_dag_runs: bool = True
    task_ids: list[str | tuple[str, Annotated[int, Field(ge=-1, le=MAX_ROW_ID)]]] | None = Field(
        default=None, description="Task ids, or [task_id, map_index] pairs for some instances of a mapped task"
    )
    dag_run_id: str | None = None
    include_upstream: bool = False
    include_downstream: bool = False
    include_future: bool = False
    include_past: bool = False
    run_on_latest_version: bool | None = Field(
        default=None, description="Slipstream always runs a DAG file's current version: true or false, the same"
    )
    prevent_running_task: bool = False
    note: str | None = Field(default=None, max_length=1000)


class TaskDependencyResponse(BaseModel):
    name: str
    reason: str


class TaskDependencyCollectionResponse(BaseModel):
    dependencies: list[TaskDependencyResponse]


class ExtraLinkCollectionResponse(BaseModel):
    extra_links: dict[str, str | None]
    total_entries: int
