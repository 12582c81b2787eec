"""Windows and wait policies: which upstream partitions make up one downstream partition of a
rollup (``RollupMapper``) or a fan-out (``FanOutMapper``), and when a rollup has enough of them.

A window works on decoded keys (datetimes for the temporal windows, strings for
``SegmentWindow``): ``to_upstream(period_start)`` lists the members of the period::

    HourWindow     60 minutes       DayWindow      24 hours        WeekWindow     7 days
    MonthWindow    every day of the calendar month (28 to 31)
    QuarterWindow  3 month starts   YearWindow     12 month starts
    SegmentWindow  a fixed set of keys (``["us", "eu", "apac"]``), whatever the period

``direction=Window.Direction.BACKWARD`` gives the trailing period ending at the anchor instead
of the one starting there (used by fan-outs). A wait policy decides from the keys that arrived:
``WaitForAll()`` wants every member, ``MinimumCount(n)`` at least ``n`` of them (``n < 0``: at
most ``-n`` missing).
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple

__all__ = [
    "DayWindow", "HourWindow", "MinimumCount", "MonthWindow", "QuarterWindow", "SegmentWindow", "Satisfaction",
    "WaitForAll", "WaitPolicy", "WeekWindow", "Window", "YearWindow",
]


class _Direction(StrEnum):
    FORWARD = "forward"
    BACKWARD = "backward"


def _shift_months(moment: datetime, months: int) -> datetime:
    total = moment.month - 1 + months
    return moment.replace(year=moment.year + total // 12, month=total % 12 + 1)


def _first_of_month(moment: datetime, owner: str) -> datetime:
    if moment.day != 1:
        raise ValueError(f"{owner} needs a period starting on the first day of a month, got {moment.isoformat()}; "
                         "pair it with a mapper that maps to month starts (StartOfMonthMapper, StartOfQuarterMapper, "
                         "StartOfYearMapper)")
    return moment


class Window:
    """The base of every window; ``to_upstream`` lists the decoded members of a period."""

    Direction = _Direction
    kind: ClassVar[str] = ""
    expected_decoded_type: ClassVar[type] = str

    def __init__(self, *, direction: _Direction | str = _Direction.FORWARD) -> None:
        try:
            self.direction = _Direction(direction)
        except ValueError:
            raise ValueError(f"{type(self).__name__}: direction must be Window.Direction.FORWARD or BACKWARD, "
                             f"got {direction!r}") from None

    def to_upstream(self, decoded_downstream: Any) -> Iterable[Any]:
        raise NotImplementedError(f"{type(self).__name__} does not define to_upstream")

    def _arguments(self) -> dict[str, Any]:
        return {"direction": self.direction.value}

    def encode(self) -> dict[str, Any]:
        return {"kind": self.kind, **self._arguments()}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Window):
            return NotImplemented
        return type(self) is type(other) and self.encode() == other.encode()

    def __hash__(self) -> int:
        return hash(repr(self.encode()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self._arguments().items())})"


class _StepWindow(Window):
    """``count`` members, each ``unit`` after the one before."""

    expected_decoded_type: ClassVar[type] = datetime
    count: ClassVar[int] = 0
    unit: ClassVar[timedelta] = timedelta(0)

    def step(self, start: datetime, steps: int) -> datetime:
        return start + self.unit * steps

    def check(self, start: datetime) -> datetime:
        return start

    def to_upstream(self, decoded_downstream: datetime) -> list[datetime]:
        anchor = self.check(decoded_downstream)
        first = self.step(anchor, 1 - self.count) if self.direction is _Direction.BACKWARD else anchor
        return [self.step(first, i) for i in range(self.count)]


class HourWindow(_StepWindow):
    """The 60 minutes of an hour."""

    kind = "hour"
    count = 60
    unit = timedelta(minutes=1)


class DayWindow(_StepWindow):
    """The 24 hours of a day (counted in wall-clock hours: a day of a daylight saving change is
    still 24 keys)."""

    kind = "day"
    count = 24
    unit = timedelta(hours=1)


class WeekWindow(_StepWindow):
    """The 7 days of a week."""

    kind = "week"
    count = 7
    unit = timedelta(days=1)


class _MonthStepWindow(_StepWindow):
    def step(self, start: datetime, steps: int) -> datetime:
        return _shift_months(start, steps)

    def check(self, start: datetime) -> datetime:
        return _first_of_month(start, type(self).__name__)


class QuarterWindow(_MonthStepWindow):
    """The 3 month starts of a calendar quarter."""

    kind = "quarter"
    count = 3


class YearWindow(_MonthStepWindow):
    """The 12 month starts of a year."""

    kind = "year"
    count = 12


class MonthWindow(Window):
    """Every day of a calendar month (backward: the days after the same day a month before, up to
    and including the anchor)."""

    kind = "month"
    expected_decoded_type: ClassVar[type] = datetime

    def to_upstream(self, decoded_downstream: datetime) -> list[datetime]:
        anchor = _first_of_month(decoded_downstream, "MonthWindow")
        if self.direction is _Direction.BACKWARD:
            before = _shift_months(anchor, -1)
            return [before + timedelta(days=i + 1) for i in range((anchor - before).days)]
        return [anchor + timedelta(days=i) for i in range((_shift_months(anchor, 1) - anchor).days)]


class SegmentWindow(Window):
    """A fixed set of category keys (``SegmentWindow(["us", "eu", "apac"])``) that make up one
    downstream partition, whatever its key (pair it with ``FixedKeyMapper``)."""

    kind = "segment"

    def __init__(self, segments: Iterable[str], *, direction: _Direction | str = _Direction.FORWARD) -> None:
        super().__init__(direction=direction)
        if isinstance(segments, str):
            raise TypeError(f"SegmentWindow takes a list of keys, got the string {segments!r}: write [{segments!r}]")
        found = list(segments)
        for position, item in enumerate(found):
            if not isinstance(item, str) or not item:
                raise ValueError(f"SegmentWindow: segment {position} must be a non-empty string, got {item!r}")
        if not found:
            raise ValueError("SegmentWindow needs at least one segment key")
        self.segments = frozenset(found)

    def to_upstream(self, decoded_downstream: Any) -> list[str]:
        return sorted(self.segments)

    def _arguments(self) -> dict[str, Any]:
        return {"segments": sorted(self.segments), **super()._arguments()}


# -- wait policies ------------------------------------------------------------------------------


class Satisfaction(NamedTuple):
    """A wait policy's answer: whether the run may be created, and whether it never can (why)."""

    satisfied: bool
    unreachable_reason: str | None = None


class WaitPolicy:
    """The base of the wait policies of a ``RollupMapper``."""

    kind: ClassVar[str] = ""

    def is_satisfied_by_keys(self, *, matched: Set[str], expected: Set[str]) -> Satisfaction:
        raise NotImplementedError

    def encode(self) -> dict[str, Any]:
        return {"kind": self.kind}

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, WaitPolicy):
            return NotImplemented
        return self.encode() == other.encode()

    def __hash__(self) -> int:
        return hash(repr(self.encode()))


class WaitForAll(WaitPolicy):
    """Every member of the window must have arrived."""

    kind = "wait_for_all"

    def is_satisfied_by_keys(self, *, matched: Set[str], expected: Set[str]) -> Satisfaction:
        return Satisfaction(expected <= matched)

    def __repr__(self) -> str:
        return "WaitForAll()"


class MinimumCount(WaitPolicy):
    """At least ``n`` members must have arrived; with a negative ``n``, at most ``-n`` may miss."""

    kind = "minimum_count"

    def __init__(self, n: int) -> None:
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f"MinimumCount(n) needs an integer, got {type(n).__name__}: {n!r}")
        if n == 0:
            raise ValueError("MinimumCount(0) would create a run before any partition arrived; use WaitForAll() to "
                             "wait for every partition, MinimumCount(n) with n > 0 for at least n of them, or n < 0 "
                             "for at most -n missing")
        self.n = n

    def is_satisfied_by_keys(self, *, matched: Set[str], expected: Set[str]) -> Satisfaction:
        arrived = len(set(matched) & set(expected))
        if self.n > len(expected):
            return Satisfaction(False, f"{self!r} can never hold: the window has only {len(expected)} partition(s)")
        needed = self.n if self.n > 0 else max(0, len(expected) + self.n)
        return Satisfaction(arrived >= needed)

    def encode(self) -> dict[str, Any]:
        return {"kind": self.kind, "n": self.n}

    def __repr__(self) -> str:
        return f"MinimumCount({self.n})"
