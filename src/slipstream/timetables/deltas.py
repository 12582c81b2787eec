"""Intervals of timetables (``timedelta`` or dateutil's ``relativedelta``) as JSON and back."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

Delta = Any  # timedelta | dateutil.relativedelta.relativedelta (dateutil is imported only when used)

_RELATIVE_FIELDS = (
    "years", "months", "days", "leapdays", "hours", "minutes", "seconds", "microseconds",
    "year", "month", "day", "hour", "minute", "second", "microsecond",
)


def is_delta(value: Any) -> bool:
    return isinstance(value, timedelta) or type(value).__name__ == "relativedelta"


def encode_delta(delta: Delta) -> float | dict[str, Any]:
    """Seconds for a timedelta; the non-zero fields for a relativedelta."""
    if isinstance(delta, timedelta):
        return delta.total_seconds()
    encoded: dict[str, Any] = {name: getattr(delta, name) for name in _RELATIVE_FIELDS if getattr(delta, name, None)}
    if delta.weekday is not None:
        encoded["weekday"] = [delta.weekday.weekday, *([delta.weekday.n] if delta.weekday.n else [])]
    return encoded


def decode_delta(value: float | dict[str, Any]) -> Delta:
    if not isinstance(value, dict):
        return timedelta(seconds=value)
    from dateutil.relativedelta import relativedelta, weekday

    fields = dict(value)
    if "weekday" in fields:
        fields["weekday"] = weekday(*fields["weekday"])
    return relativedelta(**fields)


def is_positive(delta: Delta) -> bool:
    start = datetime(2000, 1, 1)
    return start + delta > start


def describe(delta: Delta) -> str:
    if isinstance(delta, timedelta):
        return str(delta)
    return repr(delta)
