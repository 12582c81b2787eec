"""Date helpers Airflow 2 DAG files import from ``airflow.utils.dates``.

Airflow deprecated most of them (and Airflow 3 removed ``days_ago``); they are kept so that
existing DAG files load unchanged. Dates are pendulum DateTimes in UTC, as in Airflow.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from slipstream.sdk import timezone
from slipstream.timetables.schedule import PRESETS as cron_presets

__all__ = [
    "cron_presets", "date_range", "datetime_to_nano", "days_ago", "infer_time_unit", "parse_execution_date",
    "round_time", "scale_time_units",
]


def days_ago(n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """Today at ``hour:minute:second`` UTC (midnight by default), ``n`` days back."""
    today = timezone.utcnow().replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - timedelta(days=n)


def date_range(
    start_date: datetime, end_date: datetime | None = None, num: int | None = None, delta: Any = None
) -> list[datetime]:
    """Dates from ``start_date`` every ``delta`` (a timedelta or a cron string) up to ``end_date``,
    or ``num`` of them (a negative ``num`` counts back from ``start_date``), in order."""
    if not delta:
        return []
    if end_date is not None and start_date > end_date:
        raise ValueError(f"date_range: start_date {start_date} is after end_date {end_date}")
    if end_date is not None and num is not None:
        raise ValueError("date_range: give end_date or num, not both")
    if end_date is None and num is None:
        end_date = timezone.utcnow()
    if isinstance(delta, str):
        return _cron_range(start_date, end_date, num, cron_presets.get(delta, delta))
    if not isinstance(delta, timedelta):
        raise TypeError(f"date_range: delta must be a timedelta or a cron string, got {type(delta).__name__}")
    dates: list[datetime] = []
    if num is not None and num < 0:
        current = start_date
        for _ in range(-num):
            dates.insert(0, current)
            current -= delta
        return dates
    current = start_date
    while (num is None and current <= end_date) or (num is not None and len(dates) < num):  # type: ignore[operator]
        dates.append(current)
        current += delta
    return dates


def _cron_range(start_date: datetime, end_date: datetime | None, num: int | None, expression: str) -> list[datetime]:
    from croniter import croniter

    # As Airflow 2: start_date itself, then the ticks after it (or before it, for a negative num).
    cron = croniter(expression, start_date)
    step = cron.get_prev if num is not None and num < 0 else cron.get_next
    dates = [start_date]
    while True:
        current = step(datetime)
        if (num is None and current > end_date) or (num is not None and len(dates) >= abs(num)):  # type: ignore[operator]
            return sorted(dates)
        dates.append(current)


def round_time(dt: datetime, delta: timedelta, start_date: datetime = datetime.min) -> datetime:
    """The date ``start_date + k * delta`` nearest to ``dt`` (the earlier one on a tie)."""
    if start_date is datetime.min and dt.tzinfo is not None:
        start_date = start_date.replace(tzinfo=dt.tzinfo)
    steps, remainder = divmod(dt - start_date, delta)
    lower = start_date + steps * delta
    return lower + delta if remainder > delta / 2 else lower


def infer_time_unit(time_seconds_arr: Sequence[float]) -> str:
    """The unit that suits a list of durations in seconds: seconds, minutes, hours or days."""
    if not time_seconds_arr:
        return "hours"
    longest = max(time_seconds_arr)
    if longest <= 2 * 60:
        return "seconds"
    if longest <= 2 * 3600:
        return "minutes"
    if longest <= 2 * 86400:
        return "hours"
    return "days"


def scale_time_units(time_seconds_arr: Sequence[float], unit: str) -> Sequence[float]:
    """Durations in seconds expressed in ``unit`` (minutes, hours or days)."""
    factor = {"minutes": 60, "hours": 3600, "days": 86400}.get(unit)
    return time_seconds_arr if factor is None else [seconds / factor for seconds in time_seconds_arr]


def datetime_to_nano(value: datetime | None) -> int | None:
    """Nanoseconds since the epoch (a naive datetime is read as UTC)."""
    if not value:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return int(value.timestamp() * 1e9)


def parse_execution_date(execution_date_str: str) -> datetime:
    """A date string as an aware DateTime (see ``timezone.parse``)."""
    return timezone.parse(execution_date_str)
