"""Pieces of the REST API's listings in SQL: Airflow's ``*_pattern`` and ``*_prefix_pattern``
filters, ``order_by`` with ``-`` for descending, and a page with the total it was cut from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, or_, select, true


class UnknownSortField(ValueError):
    """``order_by`` names a field the listing cannot sort on."""


def _terms(pattern: str) -> list[str]:
    return [term.strip() for term in pattern.split("|") if term.strip()] if "|" in pattern else [pattern]


def ilike_any(column: Any, pattern: str) -> ColumnElement[bool]:
    """Case-insensitive substring match; ``a|b`` matches either; ``~`` matches everything."""
    if pattern == "~":
        return true()
    return or_(*(column.ilike(f"%{term}%") for term in _terms(pattern)))


def prefix_any(column: Any, prefix: str) -> ColumnElement[bool]:
    """Case-sensitive prefix match, wildcards taken literally; ``a|b`` matches either; ``~`` all."""
    if prefix == "~":
        return true()
    terms = _terms(prefix)
    if not terms:
        return false()
    return or_(*(func.substr(column, 1, len(term)) == term for term in terms))


def order_by(query: Select, fields: Sequence[str], columns: Mapping[str, Any], tiebreak: Any = None) -> Select:
    """Sort by the named fields (``-name`` for descending); ``columns`` maps what a caller may
    name to a column. An unknown name is ``UnknownSortField`` with the allowed names."""
    clauses = []
    for field in fields:
        name = field[1:] if field.startswith("-") else field
        if name not in columns:
            raise UnknownSortField(
                f"Ordering with {name!r} is not allowed: choose one of {', '.join(columns)} (prefix '-' for descending)"
            )
        clauses.append(columns[name].desc() if field.startswith("-") else columns[name].asc())
    if tiebreak is not None:
        clauses.append(tiebreak)
    return query.order_by(*clauses)


def page(session: Any, query: Select, limit: int | None, offset: int) -> tuple[list[Any], int]:
    """The rows of one page and how many rows the whole listing has (two queries)."""
    total = session.execute(select(func.count()).select_from(query.order_by(None).subquery())).scalar_one()
    paged = query.offset(offset)
    if limit is not None:
        paged = paged.limit(limit)
    return list(session.execute(paged)), int(total)
