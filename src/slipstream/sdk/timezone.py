"""Time zone helpers of Airflow's ``airflow.utils.timezone`` and ``airflow.sdk.timezone``.

Dates are pendulum ``DateTime`` objects, as in Airflow. A naive datetime is read in the default
time zone: ``[core] default_timezone``, which the process that runs user code (the DAG file
parser, the task runner) installs with ``using_default_timezone``; UTC when none is installed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pendulum
from pendulum import DateTime

__all__ = [
    "coerce_datetime", "convert_to_utc", "datetime", "from_timestamp", "is_localized", "is_naive",
    "local_timezone", "make_aware", "make_naive", "parse", "parse_timezone", "td_format", "utc", "utcnow",
]

utc = pendulum.UTC

# The zones installed by ``using_default_timezone``, innermost last (process-wide, like the
# secrets provider: threads a task starts read the same default).
_defaults: list[dt.tzinfo] = []


def parse_timezone(name: str | int) -> dt.tzinfo:
    """A pendulum time zone from an IANA name (``"Europe/Amsterdam"``), ``"UTC"``, an offset like
    ``"+05:30"``, or an offset in seconds."""
    if isinstance(name, int):
        return pendulum.FixedTimezone(name)
    text = name.strip()
    if text.lower() in ("utc", "z", "gmt", "etc/utc"):
        return utc
    if text.lower() == "system":
        return local_timezone()
    if text[:1] in "+-" and ":" in text:
        hours, minutes = text[1:].split(":", 1)
        seconds = int(hours) * 3600 + int(minutes) * 60
        return pendulum.FixedTimezone(-seconds if text[0] == "-" else seconds, name=text)
    try:
        return pendulum.timezone(text)
    except Exception:  # noqa: BLE001 - pendulum raises several kinds for an unknown name
        raise ValueError(
            f"Unknown time zone {name!r}: use an IANA name like 'Europe/Amsterdam', 'UTC' or an offset like '+05:30'"
        ) from None


def local_timezone() -> dt.tzinfo:
    return pendulum.local_timezone()


def default_timezone() -> dt.tzinfo:
    """The zone naive datetimes are read in (``[core] default_timezone``)."""
    return _defaults[-1] if _defaults else utc


@contextlib.contextmanager
def using_default_timezone(name: str | dt.tzinfo) -> Iterator[None]:
    """Read naive datetimes in ``name`` during the block (the setting ``[core] default_timezone``)."""
    _defaults.append(parse_timezone(name) if isinstance(name, str) else name)
    try:
        yield
    finally:
        _defaults.pop()


def is_localized(value: dt.datetime) -> bool:
    """True for an aware datetime (one that knows its UTC offset)."""
    return value.utcoffset() is not None


def is_naive(value: dt.datetime) -> bool:
    return value.utcoffset() is None


def utcnow() -> DateTime:
    """Now, in UTC."""
    return pendulum.now(utc)


def datetime(*args: Any, **kwargs: Any) -> dt.datetime:
    """``datetime.datetime(...)`` in the default time zone unless ``tzinfo`` is given."""
    kwargs.setdefault("tzinfo", default_timezone())
    return dt.datetime(*args, **kwargs)


def make_aware(value: dt.datetime | None, timezone: dt.tzinfo | None = None) -> dt.datetime | None:
    """A naive datetime read in ``timezone`` (default: the default time zone); the later of two
    equal wall-clock times when the clock goes back."""
    if value is None:
        return None
    if is_localized(value):
        raise ValueError(f"make_aware expects a naive datetime, got {value}")
    zone = timezone or default_timezone()
    value = value.replace(fold=1)
    if hasattr(zone, "localize"):  # pytz
        return zone.localize(value)
    if hasattr(zone, "convert"):  # pendulum
        return zone.convert(value)
    return value.replace(tzinfo=zone)


def make_naive(value: dt.datetime, timezone: dt.tzinfo | None = None) -> dt.datetime:
    """The wall-clock time of an aware datetime in ``timezone`` (default: the default time zone)."""
    if is_naive(value):
        raise ValueError("make_naive() cannot be applied to a naive datetime")
    local = value.astimezone(timezone or default_timezone())
    return dt.datetime(local.year, local.month, local.day, local.hour, local.minute, local.second, local.microsecond)


def convert_to_utc(value: dt.datetime | None) -> DateTime | None:
    """The same moment in UTC; a naive datetime is read in the default time zone first."""
    if value is None:
        return None
    if is_naive(value):
        value = pendulum.instance(value, default_timezone())
    return coerce_datetime(value.astimezone(utc))


def coerce_datetime(value: dt.datetime | None, tz: dt.tzinfo | None = None) -> DateTime | None:
    """A pendulum DateTime of the same moment and zone (naive: read in ``tz`` or the default zone).

    Dates in UTC, which is what the store gives a task, take a fast path: a task builds about
    ten of them for its context."""
    if value is None:
        return None
    zone = value.tzinfo
    if zone is dt.UTC or zone is utc:
        if type(value) is DateTime:
            return value
        return DateTime(
            value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond,
            tzinfo=utc, fold=value.fold,
        )
    if zone is None:
        value = make_aware(value, tz)
    return value if type(value) is DateTime else pendulum.instance(value)


def parse(string: str, timezone: dt.tzinfo | str | None = None, *, strict: bool = False) -> DateTime:
    """A date string (ISO 8601 and the common forms) as an aware DateTime; a string without an
    offset is read in ``timezone`` or the default time zone."""
    return pendulum.parse(string, tz=timezone or default_timezone(), strict=strict)


def from_timestamp(timestamp: float, tz: dt.tzinfo | str = utc) -> DateTime:
    """A Unix timestamp as a DateTime in ``tz`` (``"local"`` for the machine's zone)."""
    result = coerce_datetime(dt.datetime.fromtimestamp(timestamp, tz=dt.UTC))
    if isinstance(tz, str):
        tz = local_timezone() if tz.lower() == "local" else parse_timezone(tz)
    return result if tz is utc else result.in_timezone(tz)


def td_format(td_object: dt.timedelta | float | None) -> str | None:
    """A duration as ``1h:2M:32s`` (``<1s`` below a second); a month counts 30 days, a year 12 months."""
    if td_object is None:
        return None
    seconds = td_object.total_seconds() if isinstance(td_object, dt.timedelta) else float(td_object)
    prefix = "-" if seconds < 0 else ""
    remaining = int(abs(seconds))
    parts = []
    for unit, size in (("y", 360 * 86400), ("m", 30 * 86400), ("d", 86400), ("h", 3600), ("M", 60), ("s", 1)):
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return f"{prefix}{':'.join(parts)}" if parts else "<1s"
