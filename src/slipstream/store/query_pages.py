"""Pieces of the REST API's listings in SQL: ``order_by`` with ``-`` for descending, and a page
with the total it was cut from (the ``*_pattern`` filters are in ``store/patterns.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, func, select


class UnknownSortField(ValueError):
    """``order_by`` names a field the listing cannot sort on."""


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
