"""Pages of XCom entries with their run's dates; one entry read, added, changed or deleted by a user."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.orm import Session

from slipstream.store.models import DagRunRow, XComRow
from slipstream.store.patterns import Range
from slipstream.store.run_listing import RUN_AFTER  # the runs' own: the same run_after everywhere
from slipstream.store.task_instance_listing import ilike_any, prefix_like
from slipstream.store.values import encode

XCOMS = XComRow.__table__
RUNS = DagRunRow.__table__
COLUMNS = (*XCOMS.c, RUNS.c.logical_date, RUN_AFTER.label("run_after"))

ORDERABLE: dict[str, Any] = {
    "key": XCOMS.c.key, "dag_id": XCOMS.c.dag_id, "run_id": XCOMS.c.run_id, "task_id": XCOMS.c.task_id,
    "map_index": XCOMS.c.map_index, "timestamp": XCOMS.c.timestamp, "run_after": RUN_AFTER,
    "logical_date": RUNS.c.logical_date,
}
PATTERN_COLUMNS: dict[str, Any] = {
    "key": XCOMS.c.key, "dag_id": XCOMS.c.dag_id, "run_id": XCOMS.c.run_id, "task_id": XCOMS.c.task_id,
}


@dataclass(frozen=True)
class XComFilter:
    dag_id: str | None = None
    run_id: str | None = None
    task_id: str | None = None
    key: str | None = None
    map_index: int | None = None
    logical_date: Range = field(default_factory=Range)
    run_after: Range = field(default_factory=Range)
    patterns: Sequence[tuple[str, str]] = ()
    prefixes: Sequence[tuple[str, str]] = ()


def _where(query: Any, spec: XComFilter) -> Any:
    clauses: list[Any] = []
    for value, column in ((spec.dag_id, XCOMS.c.dag_id), (spec.run_id, XCOMS.c.run_id),
                          (spec.task_id, XCOMS.c.task_id), (spec.key, XCOMS.c.key),
                          (spec.map_index, XCOMS.c.map_index)):
        if value is not None:
            clauses.append(column == value)
    clauses += spec.logical_date.clauses(RUNS.c.logical_date) + spec.run_after.clauses(RUN_AFTER)
    for name, pattern in spec.patterns:
        clause = ilike_any(PATTERN_COLUMNS[name], pattern)
        if clause is not None:
            clauses.append(clause)
    for name, prefix in spec.prefixes:
        clauses.append(prefix_like(PATTERN_COLUMNS[name], prefix))
    return query.where(and_(*clauses)) if clauses else query


def _joined(query: Any) -> Any:
    return query.select_from(XCOMS.join(RUNS, RUNS.c.id == XCOMS.c.dag_run_id))


def page(
    session: Session, spec: XComFilter, order_by: Sequence[tuple[str, bool]], limit: int, offset: int
) -> tuple[list[Any], int]:
    ordering = [ORDERABLE[name].desc() if desc else ORDERABLE[name] for name, desc in order_by]
    query = _where(_joined(select(*COLUMNS)), spec).order_by(*ordering, XCOMS.c.id).limit(limit).offset(offset)
    rows = list(session.execute(query)) if limit > 0 else []
    total = session.execute(_where(_joined(select(func.count())), spec)).scalar_one()
    return rows, total


def one(session: Session, dag_id: str, run_id: str, task_id: str, key: str, map_index: int) -> Any:
    spec = XComFilter(dag_id=dag_id, run_id=run_id, task_id=task_id, key=key, map_index=map_index)
    return session.execute(_where(_joined(select(*COLUMNS)), spec)).first()


def change(session: Session, xcom_id: int, value: Any, now: datetime) -> None:
    session.execute(update(XCOMS).where(XCOMS.c.id == xcom_id).values(value=encode(value), timestamp=now))


def remove(session: Session, xcom_id: int) -> None:
    session.execute(delete(XCOMS).where(XCOMS.c.id == xcom_id))
