"""Temporal partition mappers: an upstream key that is a time, mapped to the start of its hour,
day, ISO week, month, quarter or year.

The upstream key is read with ``input_format`` (default ``%Y-%m-%dT%H:%M:%S``, the key
``CronPartitionTimetable`` writes); a key without an offset is a wall-clock time in
``timezone`` (default UTC). The downstream key is written with ``output_format``; the default
formats are those of Airflow::

    StartOfHourMapper     2024-03-13T10
    StartOfDayMapper      2024-03-13
    StartOfWeekMapper     2024-03-11 (W11)     (the Monday, and the ISO week number)
    StartOfMonthMapper    2024-03
    StartOfQuarterMapper  2024-Q1              ({quarter} is the quarter's number)
    StartOfYearMapper     2024

A downstream key reads back (``decode_downstream``) to its period's start, so a rollup window
can list the upstream keys of the period (``encode_upstream`` writes them in ``input_format``).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from slipstream.sdk.partition_mappers import InvalidPartitionKey, PartitionMapper

__all__ = [
    "StartOfDayMapper", "StartOfHourMapper", "StartOfMonthMapper", "StartOfQuarterMapper", "StartOfWeekMapper",
    "StartOfYearMapper", "TemporalMapper", "format_pattern",
]

_DIRECTIVES = {"Y": r"\d{4}", "m": r"\d{2}", "d": r"\d{2}", "H": r"\d{2}", "M": r"\d{2}", "S": r"\d{2}",
               "V": r"\d{2}", "U": r"\d{2}", "W": r"\d{2}", "G": r"\d{4}", "u": r"[1-7]", "j": r"\d{3}"}
_PLACEHOLDERS = {"quarter": "[1-4]"}


def format_pattern(fmt: str, owner: str) -> re.Pattern[str]:
    """A regular expression that reads a key written with ``fmt`` back into its fields (named
    after the directive letter, or the ``{placeholder}``). Numeric directives only: a format
    with another one (``%B``, ``%A``...) cannot be read back."""
    parts: list[str] = []
    seen: set[str] = set()
    position = 0
    while position < len(fmt):
        char = fmt[position]
        if char == "%" and position + 1 < len(fmt):
            letter = fmt[position + 1]
            if letter == "%":
                parts.append("%")
            elif letter in _DIRECTIVES:
                if letter in seen:
                    raise ValueError(f"{owner}: the format {fmt!r} uses %{letter} twice")
                seen.add(letter)
                parts.append(f"(?P<{letter}>{_DIRECTIVES[letter]})")
            else:
                raise ValueError(
                    f"{owner}: the format {fmt!r} uses %{letter}, which cannot be read back from a key; "
                    f"use the numeric directives {' '.join('%' + d for d in _DIRECTIVES)}"
                )
            position += 2
            continue
        if char == "{" and "}" in fmt[position:]:
            end = fmt.index("}", position)
            name = fmt[position + 1:end]
            if name not in _PLACEHOLDERS:
                raise ValueError(f"{owner}: the format {fmt!r} has the placeholder {{{name}}}; only {{quarter}} is known")
            parts.append(f"(?P<{name}>{_PLACEHOLDERS[name]})")
            position = end + 1
            continue
        parts.append(re.escape(char))
        position += 1
    return re.compile("".join(parts))


def _zone(value: str | tzinfo, owner: str) -> tzinfo:
    if isinstance(value, tzinfo):
        return value
    if not isinstance(value, str):
        raise TypeError(f"{owner}: timezone must be a name like 'UTC' or 'Europe/Amsterdam' or a tzinfo, got {value!r}")
    if value.strip().upper() in ("UTC", "Z", "GMT", "ETC/UTC"):
        return UTC
    try:
        return ZoneInfo(value.strip())
    except Exception as err:
        raise ValueError(f"{owner}: unknown timezone {value!r}; use an IANA name such as 'Europe/Amsterdam'") from err


def _zone_name(zone: tzinfo) -> str:
    for attribute in ("key", "name", "zone"):
        name = getattr(zone, attribute, None)
        if isinstance(name, str) and name:
            return name
    return str(zone.tzname(None) or "UTC")


class TemporalMapper(PartitionMapper):
    """The base of the Start-of-period mappers (see the module docstring)."""

    expected_decoded_type: ClassVar[type] = datetime
    default_output_format: ClassVar[str] = ""
    # Fields a downstream key must carry to read back to its period's start.
    needed_fields: ClassVar[frozenset[str]] = frozenset({"Y"})

    def __init__(
        self,
        *,
        timezone: str | tzinfo = "UTC",
        input_format: str = "%Y-%m-%dT%H:%M:%S",
        output_format: str | None = None,
        max_downstream_keys: int | None = None,
    ) -> None:
        super().__init__(max_downstream_keys=max_downstream_keys)
        owner = type(self).__name__
        self.timezone = _zone(timezone, owner)
        if not isinstance(input_format, str) or not input_format:
            raise ValueError(f"{owner}: input_format must be a strptime format, got {input_format!r}")
        self.input_format = input_format
        self.output_format = output_format or self.default_output_format
        self._pattern = format_pattern(self.output_format, owner)
        missing = self.needed_fields - set(self._pattern.groupindex)
        if missing:
            wanted = ", ".join(sorted(f"%{f}" if len(f) == 1 else f"{{{f}}}" for f in missing))
            raise ValueError(f"{owner}: output_format {self.output_format!r} must contain {wanted} so a downstream key "
                             "can be read back to the start of its period")

    def normalize(self, moment: datetime) -> datetime:
        """The start of the period that holds ``moment`` (a wall-clock time in the mapper's zone)."""
        raise NotImplementedError

    def _read_upstream(self, key: str) -> datetime:
        try:
            moment = datetime.strptime(key, self.input_format)
        except (TypeError, ValueError) as err:
            raise InvalidPartitionKey(
                f"{type(self).__name__}: partition key {key!r} does not match input_format {self.input_format!r} "
                f"(such as {datetime(2024, 3, 13, 10).strftime(self.input_format)!r}); give the mapper the "
                "input_format of the keys the upstream asset's producer writes"
            ) from err
        if moment.tzinfo is None:
            return moment
        return moment.astimezone(self.timezone).replace(tzinfo=None)

    def to_downstream(self, key: str) -> str:
        return self.format(self.normalize(self._read_upstream(key)))

    def format(self, moment: datetime) -> str:
        """The downstream key of a period start."""
        return moment.strftime(self.output_format)

    def decode_downstream(self, downstream_key: str) -> datetime:
        """The start of the period a downstream key names (a wall-clock time in the mapper's zone)."""
        found = self._pattern.fullmatch(downstream_key)
        if found is None:
            raise InvalidPartitionKey(
                f"{type(self).__name__}: downstream partition key {downstream_key!r} does not match output_format "
                f"{self.output_format!r}"
            )
        fields = {name: int(value) for name, value in found.groupdict().items()}
        try:
            return self.normalize(self._from_fields(fields))
        except ValueError as err:
            raise InvalidPartitionKey(f"{type(self).__name__}: {downstream_key!r} is not a date: {err}") from err

    def _from_fields(self, fields: dict[str, int]) -> datetime:
        return datetime(fields["Y"], fields.get("m", 1), fields.get("d", 1), fields.get("H", 0), fields.get("M", 0),
                        fields.get("S", 0))

    def encode_upstream(self, decoded: datetime) -> str:
        if decoded.tzinfo is not None:
            decoded = decoded.astimezone(self.timezone).replace(tzinfo=None)
        return self._aware(decoded).strftime(self.input_format)

    def _aware(self, wall_clock: datetime) -> datetime:
        return wall_clock.replace(tzinfo=self.timezone)

    def to_partition_date(self, downstream_key: str) -> datetime | None:
        return self._aware(self.decode_downstream(downstream_key))

    def _arguments(self) -> dict[str, Any]:
        return {"timezone": _zone_name(self.timezone), "input_format": self.input_format,
                "output_format": self.output_format}


class StartOfHourMapper(TemporalMapper):
    """The hour that holds the key: ``2024-03-13T10:42:15`` → ``2024-03-13T10``."""

    kind = "start_of_hour"
    default_output_format = "%Y-%m-%dT%H"
    needed_fields = frozenset({"Y", "m", "d", "H"})

    def normalize(self, moment: datetime) -> datetime:
        return moment.replace(minute=0, second=0, microsecond=0)


class StartOfDayMapper(TemporalMapper):
    """The day that holds the key: ``2024-03-13T10:42:15`` → ``2024-03-13``."""

    kind = "start_of_day"
    default_output_format = "%Y-%m-%d"
    needed_fields = frozenset({"Y", "m", "d"})

    def normalize(self, moment: datetime) -> datetime:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)


class StartOfWeekMapper(TemporalMapper):
    """The ISO week (from Monday) that holds the key: ``2024-03-13T10:42:15`` → ``2024-03-11 (W11)``."""

    kind = "start_of_week"
    default_output_format = "%Y-%m-%d (W%V)"
    needed_fields = frozenset({"Y", "m", "d"})

    def normalize(self, moment: datetime) -> datetime:
        return (moment - timedelta(days=moment.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)


class StartOfMonthMapper(TemporalMapper):
    """The month that holds the key: ``2024-03-13T10:42:15`` → ``2024-03``."""

    kind = "start_of_month"
    default_output_format = "%Y-%m"
    needed_fields = frozenset({"Y", "m"})

    def normalize(self, moment: datetime) -> datetime:
        return moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


class StartOfQuarterMapper(TemporalMapper):
    """The calendar quarter that holds the key: ``2024-03-13T10:42:15`` → ``2024-Q1``."""

    kind = "start_of_quarter"
    default_output_format = "%Y-Q{quarter}"
    needed_fields = frozenset({"Y", "quarter"})

    def normalize(self, moment: datetime) -> datetime:
        first_month = (moment.month - 1) // 3 * 3 + 1
        return moment.replace(month=first_month, day=1, hour=0, minute=0, second=0, microsecond=0)

    def format(self, moment: datetime) -> str:
        return moment.strftime(self.output_format).replace("{quarter}", str((moment.month - 1) // 3 + 1))

    def _from_fields(self, fields: dict[str, int]) -> datetime:
        return datetime(fields["Y"], (fields["quarter"] - 1) * 3 + 1, 1)


class StartOfYearMapper(TemporalMapper):
    """The year that holds the key: ``2024-03-13T10:42:15`` → ``2024``."""

    kind = "start_of_year"
    default_output_format = "%Y"

    def normalize(self, moment: datetime) -> datetime:
        return moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
