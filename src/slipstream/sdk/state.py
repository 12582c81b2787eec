"""The state names a DAG file may use (``airflow.utils.state``), e.g. a sensor's allowed_states.

The store keeps its own task instance states (``slipstream.store.states``: the same strings,
plus ``none`` for not yet decided) and uses ``DagRunState`` from here; the authoring side may
not import the store."""

from __future__ import annotations

from enum import StrEnum


class TaskInstanceState(StrEnum):
    REMOVED = "removed"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    RESTARTING = "restarting"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    UPSTREAM_FAILED = "upstream_failed"
    SKIPPED = "skipped"
    DEFERRED = "deferred"

    def __str__(self) -> str:
        return self.value


class DagRunState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


class State:
    """Airflow's older spelling: ``State.SUCCESS`` and friends, and the sets of them."""

    NONE = None
    REMOVED = TaskInstanceState.REMOVED
    SCHEDULED = TaskInstanceState.SCHEDULED
    QUEUED = TaskInstanceState.QUEUED
    RUNNING = TaskInstanceState.RUNNING
    SUCCESS = TaskInstanceState.SUCCESS
    RESTARTING = TaskInstanceState.RESTARTING
    FAILED = TaskInstanceState.FAILED
    UP_FOR_RETRY = TaskInstanceState.UP_FOR_RETRY
    UP_FOR_RESCHEDULE = TaskInstanceState.UP_FOR_RESCHEDULE
    UPSTREAM_FAILED = TaskInstanceState.UPSTREAM_FAILED
    SKIPPED = TaskInstanceState.SKIPPED
    DEFERRED = TaskInstanceState.DEFERRED

    task_states: tuple[TaskInstanceState | None, ...] = (None, *TaskInstanceState)
    dag_states: tuple[DagRunState, ...] = tuple(DagRunState)
    finished: frozenset[TaskInstanceState] = frozenset(
        {SUCCESS, FAILED, SKIPPED, UPSTREAM_FAILED, REMOVED}
    )
    unfinished: frozenset[TaskInstanceState | None] = frozenset(
        {None, SCHEDULED, QUEUED, RUNNING, RESTARTING, UP_FOR_RETRY, UP_FOR_RESCHEDULE, DEFERRED}
    )
    failed_states: frozenset[TaskInstanceState] = frozenset({FAILED, UPSTREAM_FAILED})
    success_states: frozenset[TaskInstanceState] = frozenset({SUCCESS, SKIPPED})


class WeightRule(StrEnum):
    """How a task's priority_weight adds up: its own plus all below it (downstream), all above it
    (upstream), or its own alone (absolute)."""

    DOWNSTREAM = "downstream"
    UPSTREAM = "upstream"
    ABSOLUTE = "absolute"

    def __str__(self) -> str:
        return self.value


class DagRunType(StrEnum):
    """How a run came to be (``airflow.utils.types.DagRunType``); the store keeps these strings."""

    MANUAL = "manual"
    SCHEDULED = "scheduled"
    BACKFILL = "backfill"
    ASSET_TRIGGERED = "asset_triggered"

    def __str__(self) -> str:
        return self.value
