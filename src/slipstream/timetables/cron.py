"""A cron expression in a time zone: the ticks before and after a moment, across daylight saving.

Ticks are found on the wall clock of the zone, so a daily 02:00 stays at 02:00 local time
through the changes (with Airflow's rules for the hour the clock skips or repeats). Every moment given and returned here is aware; returned
ones are in UTC.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo

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
    name = timezone if isinstance(timezone, str) else timezone_name(timezone)
    try:
        return get_timezone(name)
    except (KeyError, ValueError):
        raise ValueError(
            f"Unknown time zone {name!r}: use an IANA name like 'Europe/Amsterdam', 'UTC' or an offset like '+05:30'"
        ) from None


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

    def _covers_every_hour(self) -> bool:
        """An expression with ``*`` as its hour runs within each hour, also in the hour a zone
        repeats when its clock goes back: those ticks are stepped in absolute time."""
        return self.expression.split()[1] == "*"

    def _local(self, current: datetime) -> datetime:
        return current.astimezone(self.timezone).replace(tzinfo=None)

    def _to_utc(self, naive: datetime) -> datetime:
        """A wall-clock time in the zone as UTC: the later one when the clock goes back, and a
        time the clock skips moved forward by the gap (02:30 becomes 03:30), as Airflow does."""
        moment = naive.replace(tzinfo=self.timezone, fold=1).astimezone(UTC)
        if self._local(moment) != naive:
            moment = naive.replace(tzinfo=self.timezone, fold=0).astimezone(UTC)
        return moment

    def get_next(self, current: datetime) -> datetime:
        """The first tick strictly after ``current``."""
        from croniter import croniter

        naive = self._local(current)
        scheduled = croniter(self.expression, naive).get_next(datetime)
        if self._covers_every_hour():
            return current.astimezone(UTC) + (scheduled - naive)
        return self._to_utc(scheduled)

    def get_prev(self, current: datetime) -> datetime:
        """The last tick strictly before ``current``."""
        from croniter import croniter

        naive = self._local(current)
        scheduled = croniter(self.expression, naive).get_prev(datetime)
        if self._covers_every_hour():
            return current.astimezone(UTC) - (naive - scheduled)
        return self._to_utc(scheduled)

    def align_to_next(self, current: datetime) -> datetime:
        """``current`` if it is a tick, else the next tick."""
        following = self.get_next(current)
        return following if self.get_prev(following) != current else current.astimezone(UTC)

    def align_to_prev(self, current: datetime) -> datetime:
        """``current`` if it is a tick, else the tick before it."""
        previous = self.get_prev(current)
        return previous if self.get_next(previous) != current else current.astimezone(UTC)
