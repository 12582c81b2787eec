"""``TimeSensor``: waits until a time of day (in the DAG's time zone)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time
from typing import Any

from slipstream.operators.weekday import dag_zone
from slipstream.sensors.base import BaseSensorOperator


class TimeSensor(BaseSensorOperator):
    """Done once ``target_time`` of the day the try started (in the DAG's time zone) has passed.
    ``deferrable=True`` waits the same way (there is no triggerer)."""

    def __init__(self, *, target_time: time, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(target_time, time):
            raise TypeError(f"Task {self.task_id!r}: target_time must be a datetime.time, got {target_time!r}")
        self.target_time = target_time
        self.deferrable = deferrable
        self.target_datetime: datetime | None = None

    def execute(self, context: Mapping[str, Any]) -> Any:
        zone = dag_zone(self.dag)
        today = datetime.now(UTC).astimezone(zone).date()
        target = self.target_time if self.target_time.tzinfo else self.target_time.replace(tzinfo=zone)
        self.target_datetime = datetime.combine(today, target).astimezone(UTC)
        return super().execute(context)

    def poke(self, context: Mapping[str, Any]) -> bool:
        self.log.info("Checking if the time (%s) has come", self.target_datetime)
        return self.target_datetime is not None and datetime.now(UTC) > self.target_datetime


TimeSensorAsync = TimeSensor
