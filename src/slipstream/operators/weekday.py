"""Days of the week: the ``WeekDay`` enum and ``BranchDayOfWeekOperator``, which follows one
branch on the given days and another on the rest."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from slipstream.operators.branching import BaseBranchOperator


@enum.unique
class WeekDay(enum.IntEnum):
    """ISO day numbers: Monday is 1, Sunday 7."""

    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7

    @classmethod
    def get_weekday_number(cls, week_day_str: str) -> WeekDay:
        """The day named ``week_day_str`` ("Monday", "sunday"...)."""
        name = week_day_str.upper()
        if name not in cls.__members__:
            raise AttributeError(
                f"Invalid week day {week_day_str!r}: use a day's English name (Monday ... Sunday) or WeekDay"
            )
        return cls[name]

    @classmethod
    def convert(cls, day: str | WeekDay) -> int:
        return day if isinstance(day, WeekDay) else cls.get_weekday_number(day)

    @classmethod
    def validate_week_day(cls, week_day: str | WeekDay | Iterable[str | WeekDay]) -> set[int]:
        """One day or several (names or WeekDay) as a set of ISO day numbers."""
        if isinstance(week_day, (str, WeekDay)):
            week_day = [week_day]
        elif not isinstance(week_day, Iterable):
            raise TypeError(
                f"week_day must be a day name, a WeekDay, or a collection of them; got {type(week_day).__name__}"
            )
        return {cls.convert(day) for day in week_day}


def branch_moment(context: Mapping[str, Any], use_task_logical_date: bool) -> datetime:
    """What a date/time branch compares: the run's logical date, or now."""
    if use_task_logical_date:
        logical = context.get("logical_date")
        if logical is not None:
            return logical
        run = context.get("dag_run")
        return getattr(run, "start_date", None) or datetime.now(UTC)
    return datetime.now(UTC)


def dag_zone(task: Any) -> Any:
    """The time zone of the task's DAG (that of its start_date, else UTC)."""
    start = getattr(task.dag, "start_date", None) if task.dag is not None else None
    return start.tzinfo if getattr(start, "tzinfo", None) is not None else UTC


class BranchDayOfWeekOperator(BaseBranchOperator):
    """Follows ``follow_task_ids_if_true`` when today (or, with ``use_task_logical_date``, the
    run's logical date), in the DAG's time zone, is one of ``week_day``; else
    ``follow_task_ids_if_false``."""

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

    def choose_branch(self, context: Mapping[str, Any]) -> str | Iterable[str]:
        moment = branch_moment(context, self.use_task_logical_date)
        if not self.use_task_logical_date:
            moment = moment.astimezone(dag_zone(self))
        if moment.isoweekday() in self._week_day_numbers:
            return self.follow_task_ids_if_true
        return self.follow_task_ids_if_false
