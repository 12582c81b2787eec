"""Reading a DAG's ``schedule`` argument into a small, serializable description.

The description is the timetable's ``serialize()`` with its ``kind`` and ``summary``; a cron
string or a timedelta gives Airflow 2's data-interval timetables, without a time zone (the
DAG's is used, see ``timetable.make_timetable``).
"""

from __future__ import annotations

from typing import Any

from slipstream.timetables.base import Timetable
from slipstream.timetables.cron import PRESETS, check_expression
from slipstream.timetables.deltas import describe, is_delta, is_positive

__all__ = ["PRESETS", "InvalidSchedule", "describe_timetable", "parse_schedule"]


class InvalidSchedule(ValueError):
    """The schedule of a DAG cannot be understood."""


def describe_timetable(timetable: Timetable) -> dict[str, Any]:
    """The serialized form of a timetable object (``{"kind", "summary", ...}``)."""
    return {"kind": timetable.kind, "summary": timetable.summary, **timetable.serialize()}


def parse_schedule(
    schedule: Any, dag_id: str = "", *, cron_data_intervals: bool = True, delta_data_intervals: bool = True
) -> dict[str, Any] | None:
    """``None`` for manual only; otherwise ``{"kind": "cron"|"delta"|"once"|..., "summary", ...}``.

    ``cron_data_intervals``/``delta_data_intervals`` (the ``[scheduler] create_*_data_intervals``
    settings): a cron string or a timedelta gives data intervals (Airflow 2), or when off a run
    at each tick (Airflow 3's default)."""
    from slipstream.timetables.timetable import KINDS

    where = f" of DAG {dag_id!r}" if dag_id else ""
    if schedule is None or schedule == "None":
        return None
    if isinstance(schedule, Timetable):
        if KINDS.get(schedule.kind or "") is not type(schedule):
            raise InvalidSchedule(
                f"The schedule{where} is a timetable of its own ({type(schedule).__module__}."
                f"{type(schedule).__qualname__}): custom timetables are not supported by Slipstream, whose "
                "scheduler works from serialized DAGs and never imports DAG files or plugins. Use one of "
                f"{', '.join(sorted(cls.__name__ for cls in KINDS.values()))}, a cron string or a timedelta"
            )
        return None if schedule.kind == "null" else describe_timetable(schedule)
    if is_delta(schedule):
        if not is_positive(schedule):
            raise InvalidSchedule(f"The schedule{where} must be a positive interval, got {describe(schedule)}")
        if not delta_data_intervals:
            return describe_timetable(KINDS["delta_trigger"](schedule))
        return describe_timetable(KINDS["delta"](schedule))
    if isinstance(schedule, str):
        text = schedule.strip()
        if text == "@once":
            return {"kind": "once", "summary": "@once"}
        if text == "@continuous":
            return {"kind": "continuous", "summary": "@continuous"}
        try:
            expression = check_expression(text, where)
        except ValueError as err:
            raise InvalidSchedule(str(err)) from None
        if not cron_data_intervals:  # the DAG's time zone, as for a cron string of data intervals
            return {"kind": "cron_trigger", "expression": expression, "summary": text, "interval": 0.0,
                    "run_immediately": False}
        return {"kind": "cron", "expression": expression, "summary": text}
    raise InvalidSchedule(
        f"Unsupported schedule{where}: {schedule!r} ({type(schedule).__name__}); use None, a cron string, "
        "a preset like '@daily', a timedelta or a timetable such as CronTriggerTimetable"
    )
