"""TimeSensor: wait until a time of day, and DayOfWeekSensor: wait for a day of the week."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time
from typing import Any

from slipstream.operators.weekday import WeekDay, branch_moment, dag_zone
from slipstream.sensors.base import BaseSensorOperator

__all__ = ["DayOfWeekSensor", "TimeSensor", "TimeSensorAsync"]


class TimeSensor(BaseSensorOperator):
    """Done once ``target_time`` (a time of day in the DAG's time zone) has passed today. As in
    Airflow, "today" is the day the DAG file was loaded by the task's process."""

    def __init__(self, *, target_time: time, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if not isinstance(target_time, time):
            raise TypeError(f"Task {self.task_id!r}: target_time must be a datetime.time, got {target_time!r}")
        zone = dag_zone(self) if target_time.tzinfo is None else target_time.tzinfo
        today = datetime.now(zone).date()
        self.target_time = target_time
        self.target_datetime = datetime.combine(today, target_time.replace(tzinfo=None), zone).astimezone(UTC)
        self.use_reschedule_for_deferral(deferrable)

    def poke(self, context: Mapping[str, Any]) -> bool:
        self.log.info("Checking whether %s has passed", self.target_datetime.isoformat())
        return datetime.now(UTC) > self.target_datetime


class TimeSensorAsync(TimeSensor):
    """The deferrable spelling of TimeSensor; it waits in reschedule mode."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("deferrable", True)
        super().__init__(**kwargs)


class DayOfWeekSensor(BaseSensorOperator):
    """Done on one of ``week_day`` (names or WeekDay): today in UTC, or with
    ``use_task_logical_date`` the run's logical date."""

    def __init__(
        self, *, week_day: str | WeekDay | Iterable[str | WeekDay], use_task_logical_date: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date
        self._week_day_numbers = WeekDay.validate_week_day(week_day)

    def poke(self, context: Mapping[str, Any]) -> bool:
        day = branch_moment(context, self.use_task_logical_date).isoweekday()
        self.log.info("Waiting for %s; the day is %s", self.week_day, WeekDay(day).name)
        return day in self._week_day_numbers
