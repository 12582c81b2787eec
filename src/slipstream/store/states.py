"""The states of task instances and DAG runs, and which of them are final."""

from __future__ import annotations

from enum import StrEnum

from slipstream.sdk.state import DagRunState, DagRunType

__all__ = ["DagRunState", "DagRunType", "TaskInstanceState"]


class TaskInstanceState(StrEnum):
    NONE = "none"
    SCHEDULED = "scheduled"
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"
    UP_FOR_RETRY = "up_for_retry"
    UP_FOR_RESCHEDULE = "up_for_reschedule"
    SKIPPED = "skipped"
    UPSTREAM_FAILED = "upstream_failed"
    REMOVED = "removed"

    def __str__(self) -> str:
        return self.value


TI = TaskInstanceState
FINISHED_TI_STATES = frozenset({TI.SUCCESS, TI.FAILED, TI.SKIPPED, TI.UPSTREAM_FAILED, TI.REMOVED})
UNFINISHED_TI_STATES = frozenset(set(TI) - FINISHED_TI_STATES)
ACTIVE_TI_STATES = frozenset({TI.QUEUED, TI.RUNNING})
FAILED_TI_STATES = frozenset({TI.FAILED, TI.UPSTREAM_FAILED})
FINISHED_RUN_STATES = frozenset({DagRunState.SUCCESS, DagRunState.FAILED})


def failure_state(try_number: int, max_tries: int) -> TaskInstanceState:
    """After a failed try: up_for_retry while tries are left, failed after the last one."""
    return TaskInstanceState.UP_FOR_RETRY if try_number <= max_tries else TaskInstanceState.FAILED
