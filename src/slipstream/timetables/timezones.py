"""Time zones of DAGs: a name that survives serialization, and the zone back from that name.

A DAG's time zone is its start_date's tzinfo, or the configured default for a naive start_date.
It is stored by name (``Europe/Amsterdam``), not as an offset: a cron schedule must follow the
zone's daylight saving changes, which a fixed offset like ``+01:00`` would lose.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo


def timezone_name(zone: tzinfo) -> str:
    """``UTC``, an IANA name (ZoneInfo, pendulum, pytz) or a fixed offset like ``+05:30``."""
    for attribute in ("key", "zone", "name"):
        name = getattr(zone, attribute, None)
        if isinstance(name, str) and name:
            return "UTC" if name.upper() in ("UTC", "Z", "+00:00") else name
    offset = zone.utcoffset(datetime(2000, 1, 1))
    if offset is None or offset == timedelta(0):
        return "UTC"
    sign = "-" if offset < timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def get_timezone(name: str) -> tzinfo:
    """The zone for a name given by ``timezone_name`` or the ``default_timezone`` setting."""
    text = name.strip()
    if text.upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return UTC
    if text[:1] in "+-" and ":" in text:
        hours, minutes = text[1:].split(":", 1)
        offset = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-offset if text[0] == "-" else offset)
    return ZoneInfo(text)


def dag_timezone(start_date: datetime | None, default_timezone: str) -> str:
    """The name of a DAG's time zone: its start_date's, else the default."""
    if start_date is not None and start_date.tzinfo is not None:
        return timezone_name(start_date.tzinfo)
    return timezone_name(get_timezone(default_timezone))
