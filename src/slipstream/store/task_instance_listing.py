"""Pages of task instances with their run's dates, filtered and ordered by the database.

A page is one query joined to ``dag_run`` and a count: a page of a task mapped 100,000 ways
walks the ``task_instance_key`` index (dag_id, run_id, task_id, map_index) and never loads the
other instances.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, tuple_
from sqlalchemy.orm import Session

from slipstream.store.models import DagRow, DagRunRow, RenderedTaskInstanceFieldsRow, SerializedDagRow, TaskInstanceRow
from slipstream.store.patterns import Range
from slipstream.store.run_listing import RUN_AFTER  # the runs' own: the same run_after everywhere

TIS = TaskInstanceRow.__table__
RUNS = DagRunRow.__table__

COLUMNS = (
    *TIS.c,
    RUNS.c.logical_date, RUNS.c.data_interval_start, RUNS.c.data_interval_end, RUN_AFTER.label("run_after"),
)

# What ``order_by`` may name (Airflow's names); the instance id breaks ties so pages are stable.
ORDERABLE: dict[str, Any] = {
    "id": TIS.c.id, "state": TIS.c.state, "duration": TIS.c.duration, "start_date": TIS.c.start_date,
    "end_date": TIS.c.end_date, "map_index": TIS.c.map_index, "try_number": TIS.c.try_number,
    "logical_date": RUNS.c.logical_date, "run_after": RUN_AFTER, "data_interval_start": RUNS.c.data_interval_start,
    "data_interval_end": RUNS.c.data_interval_end, "rendered_map_index": TIS.c.rendered_map_index,
    "operator": TIS.c.operator, "task_id": TIS.c.task_id, "dag_id": TIS.c.dag_id, "run_id": TIS.c.run_id,
    "dag_run_id": TIS.c.run_id, "pool": TIS.c.pool, "queue": TIS.c.queue, "priority_weight": TIS.c.priority_weight,
    "queued_when": TIS.c.queued_at, "hostname": TIS.c.hostname, "pid": TIS.c.pid,
}


@dataclass(frozen=True)
class TaskInstanceFilter:
    """Which task instances: None (or empty) means any. ``*_pattern`` is Airflow's: a
    case-insensitive substring, ``|`` between alternatives, ``~`` for all; ``*_prefix`` a
    case-sensitive prefix."""

    dag_id: str | None = None
    run_id: str | None = None
    dag_ids: Sequence[str] = ()
    run_ids: Sequence[str] = ()
    task_ids: Sequence[str] = ()
    mapped_only: bool = False
    states: Sequence[str] = ()
    pools: Sequence[str] = ()
    queues: Sequence[str] = ()
    map_indexes: Sequence[int] = ()
    try_numbers: Sequence[int] = ()
    operators: Sequence[str] = ()
    logical_date: Range = field(default_factory=Range)
    run_after: Range = field(default_factory=Range)
    start_date: Range = field(default_factory=Range)
    end_date: Range = field(default_factory=Range)
    duration: Range = field(default_factory=Range)
    patterns: Sequence[tuple[str, str]] = ()  # (column name, pattern)
    prefixes: Sequence[tuple[str, str]] = ()  # (column name, prefix)

    def needs_runs(self) -> bool:
        return any(r != Range() for r in (self.logical_date, self.run_after))


PATTERN_COLUMNS: dict[str, Any] = {
    "dag_id": TIS.c.dag_id, "run_id": TIS.c.run_id, "task_id": TIS.c.task_id, "pool": TIS.c.pool,
    "queue": TIS.c.queue, "operator": TIS.c.operator, "rendered_map_index": TIS.c.rendered_map_index,
}


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def ilike_any(column: Any, pattern: str) -> ColumnElement[bool] | None:
    terms = [t.strip() for t in pattern.split("|") if t.strip()]
    if not terms or "~" in terms:
        return None
    return or_(*(column.ilike(f"%{_escaped(t)}%", escape="\\") for t in terms))


def prefix_like(column: Any, prefix: str) -> ColumnElement[bool]:
    return column.like(f"{_escaped(prefix)}%", escape="\\")


def _where(query: Any, spec: TaskInstanceFilter) -> Any:
    clauses: list[Any] = []
    if spec.dag_id is not None:
        clauses.append(TIS.c.dag_id == spec.dag_id)
    if spec.run_id is not None:
        clauses.append(TIS.c.run_id == spec.run_id)
    for values, column in (
        (spec.dag_ids, TIS.c.dag_id), (spec.run_ids, TIS.c.run_id), (spec.task_ids, TIS.c.task_id),
        (spec.states, TIS.c.state), (spec.pools, TIS.c.pool), (spec.queues, TIS.c.queue),
        (spec.map_indexes, TIS.c.map_index), (spec.try_numbers, TIS.c.try_number), (spec.operators, TIS.c.operator),
    ):
        if values:
            clauses.append(column.in_(list(values)) if len(values) > 1 else column == values[0])
    if spec.mapped_only:
        clauses.append(TIS.c.map_index >= 0)
    clauses += spec.start_date.clauses(TIS.c.start_date) + spec.end_date.clauses(TIS.c.end_date)
    clauses += spec.duration.clauses(TIS.c.duration)
    clauses += spec.logical_date.clauses(RUNS.c.logical_date) + spec.run_after.clauses(RUN_AFTER)
    for name, pattern in spec.patterns:
        clause = ilike_any(PATTERN_COLUMNS[name], pattern)
        if clause is not None:
            clauses.append(clause)
    for name, prefix in spec.prefixes:
        clauses.append(prefix_like(PATTERN_COLUMNS[name], prefix))
    return query.where(and_(*clauses)) if clauses else query


def _joined(query: Any) -> Any:
    return query.select_from(TIS.join(RUNS, RUNS.c.id == TIS.c.dag_run_id))


RUN_FIELDS = frozenset({"logical_date", "run_after", "data_interval_start", "data_interval_end"})


def page(
    session: Session, spec: TaskInstanceFilter, order_by: Sequence[tuple[str, bool]], limit: int, offset: int,
    *, with_total: bool = True,
) -> tuple[list[Any], int | None]:
    """(rows, total): ``limit`` rows from ``offset`` in ``order_by`` order (name, descending),
    each a task instance row with the run's ``logical_date``, ``data_interval_*`` and
    ``run_after``; ``total`` counts every match (None without ``with_total``).

    The page's ids are chosen first, joined to ``dag_run`` only when a filter or the order needs
    it, so skipping 99,950 instances of a mapped task walks an index and joins nothing."""
    ordering = [ORDERABLE[name].desc() if desc else ORDERABLE[name] for name, desc in order_by]
    names = [name for name, _ in order_by]
    one_task = spec.dag_id is not None and spec.run_id is not None and len(spec.task_ids) == 1
    if "id" not in names and not (one_task and "map_index" in names):  # else the order is already total
        ordering.append(TIS.c.id)
    needs_runs = spec.needs_runs() or bool(RUN_FIELDS & set(names))
    chosen = select(TIS.c.id)
    if needs_runs:
        chosen = _joined(chosen)
    rows: list[Any] = []
    if limit > 0:
        ids = list(session.execute(_where(chosen, spec).order_by(*ordering).limit(limit).offset(offset)).scalars())
        found = {row.id: row for row in by_ids(session, ids)}
        rows = [found[i] for i in ids if i in found]
    total = None
    if with_total:
        counted = _joined(select(func.count())) if spec.needs_runs() else select(func.count()).select_from(TIS)
        total = session.execute(_where(counted, spec)).scalar_one()
    return rows, total


def one(session: Session, dag_id: str, run_id: str, task_id: str, map_index: int) -> Any:
    spec = TaskInstanceFilter(dag_id=dag_id, run_id=run_id, task_ids=(task_id,), map_indexes=(map_index,))
    return session.execute(_where(_joined(select(*COLUMNS)), spec)).first()


def by_ids(session: Session, ti_ids: Sequence[int]) -> list[Any]:
    """These task instances (with their run's dates), in id order."""
    if not ti_ids:
        return []
    rows: list[Any] = []
    ids = sorted(set(ti_ids))
    for start in range(0, len(ids), 500):
        query = _joined(select(*COLUMNS)).where(TIS.c.id.in_(ids[start : start + 500])).order_by(TIS.c.id)
        rows += list(session.execute(query))
    return rows


def of_task(session: Session, dag_id: str, run_id: str, task_id: str) -> list[Any]:
    """Every instance of one task in one run (light: id, map_index, state)."""
    query = select(TIS.c.id, TIS.c.map_index, TIS.c.state).where(
        TIS.c.dag_id == dag_id, TIS.c.run_id == run_id, TIS.c.task_id == task_id
    ).order_by(TIS.c.map_index)
    return list(session.execute(query))


def run_dates(session: Session, dag_id: str) -> list[Any]:
    """(id, run_id, logical_date) of every run of the DAG, oldest first."""
    query = select(RUNS.c.id, RUNS.c.run_id, RUNS.c.logical_date).where(RUNS.c.dag_id == dag_id).order_by(
        RUNS.c.logical_date, RUNS.c.id
    )
    return list(session.execute(query))


def dag_names(session: Session, dag_ids: Sequence[str]) -> dict[str, str]:
    """{dag_id: display name} of these DAGs (the id when it has none)."""
    if not dag_ids:
        return {}
    query = select(DagRow.dag_id, DagRow.dag_display_name).where(DagRow.dag_id.in_(sorted(set(dag_ids))))
    return {r.dag_id: r.dag_display_name or r.dag_id for r in session.execute(query)}


def serialized_tasks(session: Session, dag_ids: Sequence[str]) -> dict[str, dict[str, dict[str, Any]]]:
    """{dag_id: {task_id: serialized task}} of these DAGs, as the parser stored them."""
    if not dag_ids:
        return {}
    query = select(SerializedDagRow.dag_id, SerializedDagRow.data).where(
        SerializedDagRow.dag_id.in_(sorted(set(dag_ids)))
    )
    return {r.dag_id: {t["task_id"]: t for t in r.data.get("tasks", ())} for r in session.execute(query)}


RENDERED = RenderedTaskInstanceFieldsRow.__table__


def rendered_fields(session: Session, keys: Sequence[tuple[str, str, str, int, int]]) -> dict[tuple[str, str, str, int, int], Any]:
    """{(dag_id, run_id, task_id, map_index, try_number): rendered fields} of the tries that stored them."""
    found: dict[tuple[str, str, str, int, int], Any] = {}
    keys = sorted(set(keys))
    for start in range(0, len(keys), 200):
        chunk = keys[start : start + 200]
        query = select(
            RENDERED.c.dag_id, RENDERED.c.run_id, RENDERED.c.task_id, RENDERED.c.map_index, RENDERED.c.try_number,
            RENDERED.c.rendered_fields,
        ).where(
            tuple_(RENDERED.c.dag_id, RENDERED.c.run_id, RENDERED.c.task_id, RENDERED.c.map_index,
                   RENDERED.c.try_number).in_(chunk)
        )
        for row in session.execute(query):
            found[(row.dag_id, row.run_id, row.task_id, row.map_index, row.try_number)] = row.rendered_fields
    return found
