"""The tables of the metadata database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from slipstream.store.types import UtcDateTime

ID = 250


class Base(DeclarativeBase):
    pass


class DagRow(Base):
    """A DAG the parser has seen, with the fields the scheduler and the listings need."""

    __tablename__ = "dag"
    __table_args__ = (Index("idx_dag_next_dagrun_create_after", "next_dagrun_create_after"),)

    dag_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    fileloc: Mapped[str] = mapped_column(Text)
    is_paused: Mapped[bool] = mapped_column(Boolean, default=False)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    dag_display_name: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    owners: Mapped[str] = mapped_column(String(ID), default="")
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    schedule: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    max_active_runs: Mapped[int | None] = mapped_column(Integer, nullable=True)
    max_active_tasks: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_parsed_time: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # The next scheduled run (Airflow's names): its logical date and data interval, and when it
    # may be created. The scheduler looks for due DAGs with one indexed query on create_after.
    next_dagrun: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_dagrun_data_interval_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_dagrun_data_interval_end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    next_dagrun_create_after: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    # What DAG listings show of the serialized DAG, kept here so a page of DAGs reads no JSON blob
    # (see dag_facts.listing_facts): the time schedule's kind (None: none), its own description,
    # whether assets trigger it, whether its runs are partitioned, whether a task limits its instances.
    timetable_kind: Mapped[str | None] = mapped_column(String(50), nullable=True)
    timetable_description: Mapped[str | None] = mapped_column(Text, nullable=True)
    asset_triggered: Mapped[bool] = mapped_column(Boolean, default=False)
    timetable_partitioned: Mapped[bool] = mapped_column(Boolean, default=False)
    has_task_concurrency_limits: Mapped[bool] = mapped_column(Boolean, default=False)


class SerializedDagRow(Base):
    """The serialized DAG (JSON) the scheduler works from; it never imports the DAG file."""

    __tablename__ = "serialized_dag"

    dag_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    fileloc: Mapped[str] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    dag_hash: Mapped[str] = mapped_column(String(64))
    last_updated: Mapped[datetime] = mapped_column(UtcDateTime)


class ImportErrorRow(Base):
    """Why a DAG file could not be loaded: where and what."""

    __tablename__ = "import_error"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    filename: Mapped[str] = mapped_column(Text, index=True)
    line: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exception: Mapped[str] = mapped_column(Text)
    stacktrace: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)


class DagRunRow(Base):
    __tablename__ = "dag_run"
    __table_args__ = (
        UniqueConstraint("dag_id", "run_id", name="dag_run_dag_id_run_id_key"),
        Index("idx_dag_run_state", "state"),
        Index("idx_dag_run_dag_id_state", "dag_id", "state"),
        # A DAG's newest runs (the grid, the dashboard's latest run per DAG) read this backwards.
        Index("idx_dag_run_dag_id_id", "dag_id", "id"),
        # One scheduled or backfill run per logical date; manual runs may share a date.
        Index(
            "idx_dag_run_dag_id_logical_date_auto", "dag_id", "logical_date", unique=True,
            sqlite_where=text("run_type != 'manual'"), postgresql_where=text("run_type != 'manual'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    run_type: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(50))
    logical_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    data_interval_start: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    data_interval_end: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    start_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    conf: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    dag_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The partition the run is for (CronPartitionTimetable, PartitionedAssetTimetable, a trigger).
    partition_key: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    partition_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


class TaskInstanceRow(Base):
    __tablename__ = "task_instance"
    __table_args__ = (
        UniqueConstraint("dag_id", "run_id", "task_id", "map_index", name="task_instance_key"),
        Index("idx_task_instance_run_state", "dag_run_id", "state"),
        Index("idx_task_instance_state", "state"),
        Index("idx_task_instance_run_task_state", "dag_run_id", "task_id", "state"),
        Index("idx_task_instance_job_state", "queued_by_job_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_run_id: Mapped[int] = mapped_column(Integer)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    state: Mapped[str] = mapped_column(String(50))
    try_number: Mapped[int] = mapped_column(Integer, default=0)
    max_tries: Mapped[int] = mapped_column(Integer, default=0)
    operator: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    pool: Mapped[str] = mapped_column(String(ID), default="default_pool")
    pool_slots: Mapped[int] = mapped_column(Integer, default=1)
    queue: Mapped[str] = mapped_column(String(ID), default="default")
    priority_weight: Mapped[int] = mapped_column(Integer, default=1)
    queued_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    start_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)
    next_try_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    hostname: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    last_heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    rendered_map_index: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    state_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    queued_by_job_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # the scheduler that dispatched the try
    note: Mapped[str | None] = mapped_column(Text, nullable=True)  # a user's, through the API


class JobRow(Base):
    """A scheduler that runs or ran (Airflow's ``job`` table): it beats while its loop turns;
    another one adopts its tries once it is dead (see store/jobs.py)."""

    __tablename__ = "job"
    __table_args__ = (Index("idx_job_type_state", "job_type", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_type: Mapped[str] = mapped_column(String(30))
    state: Mapped[str] = mapped_column(String(20))
    hostname: Mapped[str] = mapped_column(String(ID))
    pid: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[datetime] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    latest_heartbeat: Mapped[datetime] = mapped_column(UtcDateTime)


class UserRow(Base):
    """Someone who may log in to the API and the UI, with one role (Admin, Op, User, Viewer)."""

    __tablename__ = "ab_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(ID), unique=True)
    password_hash: Mapped[str] = mapped_column(String(512))
    role: Mapped[str] = mapped_column(String(20))
    first_name: Mapped[str] = mapped_column(String(ID), default="")
    last_name: Mapped[str] = mapped_column(String(ID), default="")
    email: Mapped[str] = mapped_column(String(ID), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_on: Mapped[datetime] = mapped_column(UtcDateTime)
    last_login: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)


# Dispatch reads scheduled instances highest priority first, then oldest, a page at a time.
Index(
    "idx_task_instance_dispatch_order",
    TaskInstanceRow.state, TaskInstanceRow.priority_weight.desc(), TaskInstanceRow.id,
)


class XComRow(Base):
    __tablename__ = "xcom"
    __table_args__ = (
        UniqueConstraint("dag_id", "run_id", "task_id", "map_index", "key", name="xcom_key"),
        Index("idx_xcom_dag_run_id", "dag_run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_run_id: Mapped[int] = mapped_column(Integer)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    key: Mapped[str] = mapped_column(String(512))
    value: Mapped[str] = mapped_column(Text)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)


class TaskLogRow(Base):
    """Where the log of one try of one task instance is."""

    __tablename__ = "task_log"
    __table_args__ = (
        UniqueConstraint("dag_id", "run_id", "task_id", "map_index", "try_number", name="task_log_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    try_number: Mapped[int] = mapped_column(Integer)
    path: Mapped[str] = mapped_column(Text)
    hostname: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class VariableRow(Base):
    """A Variable (``Variable.get``, ``{{ var.value.x }}``); the value is Fernet-encrypted at rest."""

    __tablename__ = "variable"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(ID), unique=True)
    val: Mapped[str | None] = mapped_column(Text, nullable=True)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)


class ConnectionRow(Base):
    """A Connection (``BaseHook.get_connection``); password and extra are Fernet-encrypted at rest."""

    __tablename__ = "connection"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    conn_id: Mapped[str] = mapped_column(String(ID), unique=True)
    conn_type: Mapped[str] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    host: Mapped[str | None] = mapped_column(String(500), nullable=True)
    schema: Mapped[str | None] = mapped_column(String(500), nullable=True)
    login: Mapped[str | None] = mapped_column(Text, nullable=True)
    password: Mapped[str | None] = mapped_column(Text, nullable=True)
    port: Mapped[int | None] = mapped_column(Integer, nullable=True)
    extra: Mapped[str | None] = mapped_column(Text, nullable=True)
    is_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)
    is_extra_encrypted: Mapped[bool] = mapped_column(Boolean, default=False)


class PoolRow(Base):
    """A pool: how many slots the task instances that name it may hold at once."""

    __tablename__ = "slot_pool"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    pool: Mapped[str] = mapped_column(String(ID), unique=True)
    slots: Mapped[int] = mapped_column(Integer)
    description: Mapped[str | None] = mapped_column(Text, nullable=True)
    include_deferred: Mapped[bool] = mapped_column(Boolean, default=False)


class RenderedTaskInstanceFieldsRow(Base):
    """The template fields of one try as rendered (``tasks render``, the UI)."""

    __tablename__ = "rendered_task_instance_fields"
    __table_args__ = (
        UniqueConstraint("dag_id", "run_id", "task_id", "map_index", "try_number", name="rendered_fields_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    try_number: Mapped[int] = mapped_column(Integer)
    rendered_fields: Mapped[dict[str, Any]] = mapped_column(JSON)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)


class TaskRescheduleRow(Base):
    """One poke of a sensor in reschedule mode that asked to be run again later."""

    __tablename__ = "task_reschedule"
    __table_args__ = (Index("idx_task_reschedule_key", "dag_id", "run_id", "task_id", "map_index", "try_number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    map_index: Mapped[int] = mapped_column(Integer, default=-1)
    try_number: Mapped[int] = mapped_column(Integer)
    start_date: Mapped[datetime] = mapped_column(UtcDateTime)
    end_date: Mapped[datetime] = mapped_column(UtcDateTime)
    duration: Mapped[float] = mapped_column(Float)
    reschedule_date: Mapped[datetime] = mapped_column(UtcDateTime)


# -- assets (data-aware scheduling) -------------------------------------------------------------

ASSET_TEXT = 1500


class AssetRow(Base):
    """An asset some DAG names (schedule, inlets, outlets) or some task updated."""

    __tablename__ = "asset"
    __table_args__ = (UniqueConstraint("name", "uri", name="asset_name_uri_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(ASSET_TEXT))
    uri: Mapped[str] = mapped_column(String(ASSET_TEXT))
    group: Mapped[str] = mapped_column(String(ASSET_TEXT), default="asset")
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AssetAliasRow(Base):
    __tablename__ = "asset_alias"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(ASSET_TEXT), unique=True)
    group: Mapped[str] = mapped_column(String(ASSET_TEXT), default="asset")


class AssetAliasAssetRow(Base):
    """An alias resolves to the assets events were added for through it."""

    __tablename__ = "asset_alias_asset"

    alias_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    asset_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class AssetEventRow(Base):
    """One update of an asset: by which task instance, when, with what extra."""

    __tablename__ = "asset_event"
    __table_args__ = (Index("idx_asset_event_asset_timestamp", "asset_id", "timestamp"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[int] = mapped_column(Integer)
    extra: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source_dag_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    source_run_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    source_task_id: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    source_map_index: Mapped[int] = mapped_column(Integer, default=-1)
    timestamp: Mapped[datetime] = mapped_column(UtcDateTime)
    partition_key: Mapped[str | None] = mapped_column(String(ID), nullable=True)


class AssetAliasEventRow(Base):
    """An event that was added through an alias."""

    __tablename__ = "asset_alias_event"

    alias_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class DagScheduleAssetRow(Base):
    """The DAG's schedule names this asset."""

    __tablename__ = "dag_schedule_asset"

    dag_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    asset_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A partitioned DAG (PartitionedAssetTimetable): how this asset's partition keys map to its runs'.
    partition_mapper: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class DagScheduleAssetAliasRow(Base):
    """The DAG's schedule names this alias."""

    __tablename__ = "dag_schedule_asset_alias"

    dag_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    alias_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DagScheduleAssetRefRow(Base):
    """The DAG's schedule names an asset by name or by uri only (``Asset.ref``); empty text for the other."""

    __tablename__ = "dag_schedule_asset_ref"

    dag_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    name: Mapped[str] = mapped_column(String(ASSET_TEXT), primary_key=True)
    uri: Mapped[str] = mapped_column(String(ASSET_TEXT), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # As dag_schedule_asset's: the mapper of the partition keys of a PartitionedAssetTimetable.
    partition_mapper: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True), nullable=True)


class TaskOutletAssetRow(Base):
    """The task lists this asset in its outlets."""

    __tablename__ = "task_outlet_asset"

    dag_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    task_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    asset_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class AssetDagRunQueueRow(Base):
    """An event on this asset that the DAG scheduled on it has not consumed yet (one row per
    asset and DAG: the first such event's time)."""

    __tablename__ = "asset_dag_run_queue"

    asset_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_dag_id: Mapped[str] = mapped_column(String(ID), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class DagRunAssetEventRow(Base):
    """The events that triggered an asset-triggered run."""

    __tablename__ = "dag_run_asset_event"

    dag_run_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class DeadlineRow(Base):
    """A deadline of a DAG run (from one of its DAG's deadline alerts): the time by which the run
    should have finished, and the callback to run if it has not.

    ``state``: ``pending`` (waiting for ``deadline_time``), ``missed`` (the callback was handed to
    a process), ``unevaluated``/``evaluating`` (a custom reference, computed in a process of its
    own; ``deadline_time`` is null until then). A run that succeeds in time deletes its rows.
    """

    __tablename__ = "deadline"
    __table_args__ = (
        Index("idx_deadline_state_time", "state", "deadline_time"),
        Index("idx_deadline_dag_run_id", "dag_run_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_run_id: Mapped[int] = mapped_column(Integer)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    alert_index: Mapped[int] = mapped_column(Integer)
    name: Mapped[str | None] = mapped_column(String(ID), nullable=True)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    interval: Mapped[float] = mapped_column(Float)
    callback: Mapped[dict[str, Any]] = mapped_column(JSON)
    deadline_time: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    state: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class TaskStateRow(Base):
    """A key a task wrote to its ``task_state_store`` (Airflow 3.3): kept across the tries of one
    task instance (per run, task and map index), so a retry can find what an earlier try left."""

    __tablename__ = "task_state_store"
    __table_args__ = (
        UniqueConstraint("dag_run_id", "task_id", "map_index", "key", name="task_state_store_uq"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dag_run_id: Mapped[int] = mapped_column(Integer)
    dag_id: Mapped[str] = mapped_column(String(ID))
    run_id: Mapped[str] = mapped_column(String(ID))
    task_id: Mapped[str] = mapped_column(String(ID))
    map_index: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(512))
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
class AssetPartitionDagRunRow(Base):
    """A partition of a partitioned DAG that events have fed: waiting for its run (created_dag_run_id
    None; at most one such row per DAG and key), or with the run it got."""

    __tablename__ = "asset_partition_dag_run"
    __table_args__ = (
        Index(
            "idx_asset_partition_dag_run_pending", "target_dag_id", "partition_key", unique=True,
            sqlite_where=text("created_dag_run_id IS NULL"), postgresql_where=text("created_dag_run_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    target_dag_id: Mapped[str] = mapped_column(String(ID))
    partition_key: Mapped[str] = mapped_column(String(ID))
    partition_date: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_dag_run_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PartitionedAssetKeyLogRow(Base):
    """One asset event's upstream partition key, mapped to the downstream partition it feeds."""

    __tablename__ = "partitioned_asset_key_log"
    __table_args__ = (Index("idx_partitioned_asset_key_log_apdr", "asset_partition_dag_run_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[int] = mapped_column(Integer)
    asset_event_id: Mapped[int] = mapped_column(Integer)
    asset_partition_dag_run_id: Mapped[int] = mapped_column(Integer)
    source_partition_key: Mapped[str] = mapped_column(String(ID))
    target_dag_id: Mapped[str] = mapped_column(String(ID))
    target_partition_key: Mapped[str] = mapped_column(String(ID))
    # The mapper the key went through: a partition fed under another mapper is dropped, not run.
    mapper_fingerprint: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
