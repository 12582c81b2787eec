"""Reading a DAG's ``schedule`` argument into a small, serializable description.

The description is the timetable's ``serialize()`` with its ``kind`` and ``summary``; a cron
string or a timedelta gives Airflow 3's trigger timetables (a run at each tick) or, with the
settings ``[scheduler] create_cron_data_intervals`` / ``create_delta_data_intervals`` on,
Airflow 2's data-interval timetables; either without a time zone (the DAG's is used, see
``timetable.make_timetable``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from slipstream.config.settings import CRON_DATA_INTERVALS, DELTA_DATA_INTERVALS
from slipstream.timetables.base import Timetable
from slipstream.timetables.cron import PRESETS, check_expression
from slipstream.timetables.deltas import describe, is_delta, is_positive

__all__ = [
    "DEFAULT_DATA_INTERVALS", "PRESETS", "InvalidSchedule", "data_intervals", "describe_timetable", "parse_schedule",
    "using_data_intervals",
]

# Whether a cron string and a timedelta give data intervals where no setting says otherwise.
DEFAULT_DATA_INTERVALS = (CRON_DATA_INTERVALS, DELTA_DATA_INTERVALS)

# The choices installed by ``using_data_intervals``, innermost last (process-wide, like the
# default time zone: DAGs loaded in this process read their schedule with it).
_installed: list[tuple[bool, bool]] = []


class InvalidSchedule(ValueError):
    """The schedule of a DAG cannot be understood."""


def describe_timetable(timetable: Timetable) -> dict[str, Any]:
    """The serialized form of a timetable object (``{"kind", "summary", ...}``)."""
    return {"kind": timetable.kind, "summary": timetable.summary, **timetable.serialize()}


def data_intervals() -> tuple[bool, bool]:
    """Whether a cron string and a timedelta as schedule give data intervals in this process:
    the installed settings, else their defaults (Airflow 3's: neither does)."""
    return _installed[-1] if _installed else DEFAULT_DATA_INTERVALS


@contextlib.contextmanager
def using_data_intervals(cron: bool, delta: bool) -> Iterator[None]:
    """Read cron strings (``cron``) and timedeltas (``delta``) as schedules with data intervals
    during the block: the settings ``[scheduler] create_cron_data_intervals`` and
    ``create_delta_data_intervals``, installed wherever DAG files are loaded."""
    _installed.append((cron, delta))
    try:
        yield
    finally:
        _installed.pop()


def parse_schedule(
    schedule: Any, dag_id: str = "", *, cron_data_intervals: bool | None = None,
    delta_data_intervals: bool | None = None,
) -> dict[str, Any] | None:
    """``None`` for manual only; otherwise ``{"kind": "cron"|"delta"|"once"|..., "summary", ...}``.

    ``cron_data_intervals``/``delta_data_intervals`` (the ``[scheduler] create_*_data_intervals``
    settings; ``None``: this process's, see ``data_intervals``): a cron string or a timedelta
    gives data intervals (Airflow 2), or when off a run at each tick (Airflow 3's default)."""
    from slipstream.timetables.timetable import KINDS

    installed_cron, installed_delta = data_intervals()
    cron_data_intervals = installed_cron if cron_data_intervals is None else cron_data_intervals
    delta_data_intervals = installed_delta if delta_data_intervals is None else delta_data_intervals

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
