"""The ``*_pattern`` and ``*_prefix_pattern`` filters of Airflow's REST API as SQL conditions, and
the ``*_gte|gt|lte|lt`` bounds of a value (``Range``).

``*_pattern``: a case-insensitive substring match (``ILIKE '%term%'``, where ``%`` and ``_`` are
wildcards). ``*_prefix_pattern``: a case-sensitive match of the start, wildcards taken literally.
In both, ``|`` separates alternatives and ``~`` matches everything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import false, func, or_, true
from sqlalchemy.sql import ColumnElement

MATCH_ALL = "~"


def _terms(pattern: str) -> list[str]:
    terms = [term.strip() for term in pattern.split("|")] if "|" in pattern else [pattern]
    return [term for term in terms if term] or [pattern]


def substring_match(column: Any, pattern: str | None) -> ColumnElement[bool] | None:
    """The condition of ``pattern`` on ``column``; None when there is no pattern."""
    if pattern is None:
        return None
    if pattern == MATCH_ALL:
        return true()
    return or_(*(column.ilike(f"%{term}%") for term in _terms(pattern)))


def prefix_match(column: Any, pattern: str | None) -> ColumnElement[bool] | None:
    """The condition of a prefix ``pattern`` on ``column``; None when there is no pattern.

    As in Airflow, trailing characters that are not letters or digits are dropped from each
    prefix (``test_`` matches what starts with ``test``)."""
    if pattern is None:
        return None
    if pattern == MATCH_ALL:
        return true()
    conditions = []
    for term in _terms(pattern):
        prefix = term.rstrip()
        while prefix and not prefix[-1].isalnum():
            prefix = prefix[:-1]
        if not prefix:
            conditions.append(column.is_not(None))
        else:
            conditions.append(func.substr(column, 1, len(prefix)) == prefix)
    return or_(*conditions) if conditions else false()


@dataclass(frozen=True)
class Range:
    """Bounds on one value; a None bound does not restrict."""

    gte: Any = None
    gt: Any = None
    lte: Any = None
    lt: Any = None

    def clauses(self, column: Any) -> list[ColumnElement[bool]]:
        gte, gt, lte, lt = (_utc(v) for v in (self.gte, self.gt, self.lte, self.lt))
        found = []
        if gte is not None:
            found.append(column >= gte)
        if gt is not None:
            found.append(column > gt)
        if lte is not None:
            found.append(column <= lte)
        if lt is not None:
            found.append(column < lt)
        return found


def _utc(value: Any) -> Any:
    """A date without a time zone is taken as UTC (as Airflow reads one)."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
