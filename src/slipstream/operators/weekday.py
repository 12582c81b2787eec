"""Days of the week (``WeekDay``) and ``BranchDayOfWeekOperator``, as Airflow's standard provider has them."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from slipstream.operators.branching import followed_task_ids
from slipstream.sdk.baseoperator import BaseOperator
from slipstream.timetables.timezones import dag_timezone, get_timezone


class WeekDay(enum.IntEnum):
    """ISO day numbers: MONDAY is 1, SUNDAY is 7."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7

    @classmethod
    def get_weekday_number(cls, week_day_str: str) -> int:
        """The ISO number of a day named in full ("Sunday", any case)."""
        name = week_day_str.upper()
        if name not in cls.__members__:
            raise AttributeError(f'Invalid Week Day passed: "{week_day_str}" (use a full day name, e.g. "Monday")')
        return cls[name]

    @classmethod
    def convert(cls, day: str | WeekDay) -> int:
        return day if isinstance(day, WeekDay) else cls.get_weekday_number(day)

    @classmethod
    def validate_week_day(cls, week_day: str | WeekDay | Iterable[str | WeekDay]) -> set[int]:
        """The ISO numbers of one day or of several (a name, a WeekDay, or a collection of them)."""
        if isinstance(week_day, (str, WeekDay)):
            return {cls.convert(week_day)}
        if not isinstance(week_day, Iterable):
            raise TypeError(
                f"Unsupported type for week_day: {type(week_day).__name__}; give a day name, a WeekDay, "
                "or a set, list or dict of them"
            )
        return {cls.convert(day) for day in week_day}


def dag_zone(dag: Any) -> Any:
    """The DAG's time zone (its start_date's, else ``[core] default_timezone``)."""
    from slipstream.sdk.configuration import conf

    default = conf.get("core", "default_timezone", fallback="utc")
    return get_timezone(dag_timezone(getattr(dag, "start_date", None), default))


def branch_to(task: BaseOperator, context: Mapping[str, Any], chosen: str | Iterable[str] | None) -> Any:
    """Follow ``chosen`` (task ids directly downstream) and skip the other downstream tasks."""
    followed = followed_task_ids(task, chosen)
    skipped = sorted(set(task.downstream_task_ids) - followed)
    task.log.info("Following branch %s; skipping %s", sorted(followed), skipped)
    context["ti"].skip(skipped)
    return chosen


class BranchDayOfWeekOperator(BaseOperator):
    """Follows ``follow_task_ids_if_true`` on the given day(s) of the week, else ``..._if_false``.

    The day is today's in the DAG's time zone, or the run's logical date's with
    ``use_task_logical_date=True``."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        week_day: str | WeekDay | Iterable[str | WeekDay],
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.week_day = week_day
        self.use_task_logical_date = use_task_logical_date
        self._week_day_numbers = WeekDay.validate_week_day(week_day)

    def execute(self, context: Mapping[str, Any]) -> Any:
        if self.use_task_logical_date:
            day = context["logical_date"]
        else:
            day = datetime.now(UTC).astimezone(dag_zone(self.dag))
        matches = day.isoweekday() in self._week_day_numbers
        return branch_to(self, context, self.follow_task_ids_if_true if matches else self.follow_task_ids_if_false)
