"""A cron expression in a time zone: the ticks before and after a moment, across daylight saving.

croniter works on the wall clock of an aware datetime in the zone, so a daily 02:00 stays at
02:00 local time through the changes. Every moment given and returned here is aware; returned
ones are in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

from slipstream.timetables.timezones import get_timezone, timezone_name

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@midnight": "0 0 * * *",
}


def as_zone(timezone: str | tzinfo) -> tzinfo:
    """A zone from a name or any tzinfo (pendulum, ZoneInfo, pytz, fixed offsets)."""
    return get_timezone(timezone if isinstance(timezone, str) else timezone_name(timezone))


def check_expression(expression: str, where: str = "") -> str:
    """The expression of a cron string or preset; ValueError saying what is wrong otherwise."""
    text = expression.strip()
    if text.startswith("@") and text not in PRESETS:
        raise ValueError(
            f"Unknown schedule preset {text!r}{where}; use one of {', '.join(PRESETS)} or a cron string"
        )
    resolved = PRESETS.get(text, text)
    from croniter import croniter

    if not croniter.is_valid(resolved):
        raise ValueError(
            f"Invalid cron expression {text!r}{where}: expected five fields "
            "'minute hour day-of-month month day-of-week', e.g. '0 2 * * *'"
        )
    return resolved


class CronSchedule:
    """The ticks of one cron expression in one zone."""

    def __init__(self, expression: str, timezone: str | tzinfo) -> None:
        self.summary = expression.strip()
        self.expression = check_expression(expression)
        self.timezone = as_zone(timezone)

    @property
    def timezone_name(self) -> str:
        return timezone_name(self.timezone)

    def _iterate(self, current: datetime) -> Any:
        from croniter import croniter

        return croniter(self.expression, current.astimezone(self.timezone))

    def get_next(self, current: datetime) -> datetime:
        """The first tick strictly after ``current``."""
        return self._iterate(current).get_next(datetime).astimezone(UTC)

    def get_prev(self, current: datetime) -> datetime:
        """The last tick strictly before ``current``."""
        return self._iterate(current).get_prev(datetime).astimezone(UTC)

    def align_to_next(self, current: datetime) -> datetime:
        """``current`` if it is a tick, else the next tick."""
        following = self.get_next(current)
        return following if self.get_prev(following) != current else current.astimezone(UTC)

    def align_to_prev(self, current: datetime) -> datetime:
        """``current`` if it is a tick, else the tick before it."""
        previous = self.get_prev(current)
        return previous if self.get_next(previous) != current else current.astimezone(UTC)
