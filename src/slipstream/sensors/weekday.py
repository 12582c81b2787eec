"""``DayOfWeekSensor``: waits for one of the given days of the week."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from slipstream.operators.weekday import WeekDay
from slipstream.sensors.base import BaseSensorOperator


class DayOfWeekSensor(BaseSensorOperator):
    """Done when today (UTC), or the run's logical date with ``use_task_logical_date=True``, is one of ``week_day``."""

    def __init__(
        self, *, week_day: str | WeekDay | Iterable[str | WeekDay], use_task_logical_date: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date
        self._week_day_numbers = WeekDay.validate_week_day(week_day)

    def poke(self, context: Mapping[str, Any]) -> bool:
        day = context["logical_date"] if self.use_task_logical_date else datetime.now(UTC)
        self.log.info("Poking until the weekday is in %s; it is %s", self.week_day, WeekDay(day.isoweekday()).name)
        return day.isoweekday() in self._week_day_numbers
