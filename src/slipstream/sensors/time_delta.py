"""TimeDeltaSensor: wait until a delta after the end of the run's data interval; WaitSensor: wait
a while from now."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sensors.base import BaseSensorOperator

__all__ = ["TimeDeltaSensor", "TimeDeltaSensorAsync", "WaitSensor"]


class TimeDeltaSensor(BaseSensorOperator):
    """Done once ``data_interval_end + delta`` has passed (the logical date for a run without a
    data interval)."""

    def __init__(self, *, delta: timedelta, deferrable: bool = False, end_from_trigger: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(delta, timedelta):
            raise DagDefinitionError(f"Task {self.task_id!r}: delta must be a timedelta, got {delta!r}")
        self.delta = delta
        self.end_from_trigger = end_from_trigger
        self.use_reschedule_for_deferral(deferrable)

    def target_time(self, context: Mapping[str, Any]) -> datetime:
        base = context.get("data_interval_end") or context.get("logical_date")
        if base is None:
            raise ValueError(f"Task {self.task_id!r}: the run has neither a data interval nor a logical date to wait from")
        return base + self.delta

    def poke(self, context: Mapping[str, Any]) -> bool:
        target = self.target_time(context)
        self.log.info("Checking whether %s has passed", target.isoformat())
        return datetime.now(UTC) > target


class TimeDeltaSensorAsync(TimeDeltaSensor):
    """The deferrable spelling of TimeDeltaSensor; it waits in reschedule mode."""

    def __init__(self, *, delta: timedelta, **kwargs: Any) -> None:
        kwargs.setdefault("deferrable", True)
        super().__init__(delta=delta, **kwargs)


class WaitSensor(BaseSensorOperator):
    """Wait ``time_to_wait`` (a timedelta or seconds) from the moment the task runs."""

    def __init__(self, *, time_to_wait: timedelta | float, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(time_to_wait, (int, float)) and not isinstance(time_to_wait, bool):
            time_to_wait = timedelta(seconds=time_to_wait)
        if not isinstance(time_to_wait, timedelta):
            raise DagDefinitionError(f"Task {self.task_id!r}: time_to_wait must be seconds or a timedelta")
        self.time_to_wait = time_to_wait
        self.deferrable = deferrable

    def execute(self, context: Mapping[str, Any]) -> None:
        time.sleep(self.time_to_wait.total_seconds())

    def poke(self, context: Mapping[str, Any]) -> bool:
        return True
