"""``macros`` in templates (``{{ macros.ds_add(ds, 7) }}``), importable as ``airflow.macros``.

The modules and functions Airflow documents: ``datetime``, ``timedelta``, ``dateutil``, ``time``,
``uuid``, ``random``, ``json``, and the date helpers below.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta
from random import random
from typing import Any

__all__ = [
    "datetime", "timedelta", "time", "uuid", "random", "json",
    "ds_add", "ds_format", "ds_format_locale", "datetime_diff_for_humans",
]


def ds_add(ds: str, days: int) -> str:
    """``ds`` (YYYY-MM-DD) moved by ``days`` (negative to go back): ``ds_add('2015-01-06', -5)`` is '2015-01-01'."""
    if not days:
        return str(ds)
    return (datetime.strptime(str(ds), "%Y-%m-%d") + timedelta(days=days)).strftime("%Y-%m-%d")


def ds_format(ds: str, input_format: str, output_format: str) -> str:
    """``ds`` read with ``input_format`` and written with ``output_format`` (strftime codes):
    ``ds_format('2015-01-01', '%Y-%m-%d', '%m-%d-%y')`` is '01-01-15'."""
    return datetime.strptime(str(ds), input_format).strftime(output_format)


def ds_format_locale(ds: str, input_format: str, output_format: str, locale: str | None = None) -> str:
    """Like ``ds_format``, with an LDML output format in a locale (Airflow uses Babel for it).

    Babel is not a dependency of Slipstream: install it to use this macro."""
    try:
        from babel import dates
    except ImportError:
        raise ImportError("macros.ds_format_locale needs the 'babel' package: pip install babel") from None
    return dates.format_datetime(datetime.strptime(str(ds), input_format), output_format, locale=locale or "en_US")


_UNITS = (
    ("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600),
    ("minute", 60), ("second", 1),
)


def datetime_diff_for_humans(dt: datetime, since: datetime | None = None) -> str:
    """How far ``dt`` is from ``since`` (default: now), in words: '3 days ago', 'in 2 hours', or
    with ``since``: '1 week after' / '5 minutes before'."""
    reference = since or (datetime.now(dt.tzinfo) if dt.tzinfo else datetime.now())
    seconds = (dt - reference).total_seconds()
    amount, unit = 1, "second"
    for name, size in _UNITS:
        if abs(seconds) >= size:
            amount, unit = int(abs(seconds) // size), name
            break
    words = f"{amount} {unit}{'' if amount == 1 else 's'}"
    if since is not None:
        return f"{words} {'after' if seconds >= 0 else 'before'}"
    return f"in {words}" if seconds > 0 else f"{words} ago"


def __getattr__(name: str) -> Any:
    # dateutil is loaded on first use: most tasks never touch it.
    if name == "dateutil":
        import dateutil
        import dateutil.parser
        import dateutil.relativedelta
        import dateutil.rrule
        import dateutil.tz

        globals()["dateutil"] = dateutil
        return dateutil
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
