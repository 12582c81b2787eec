"""Listing DAG runs with the filters and orderings of Airflow's ``GET .../dagRuns``, in one query
for the page and one for the total, with each run's DAG display name joined in."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, and_, case, cast, func, select, type_coerce
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from slipstream.store.models import DagRow, DagRunRow
from slipstream.store.patterns import Range, prefix_match, substring_match
from slipstream.store.states import DagRunType
from slipstream.store.types import UtcDateTime

RUNS = DagRunRow.__table__
DAGS = DagRow.__table__

# When a run may start, as Airflow 3 records it: a scheduled or backfill run at the end of its
# data interval, any other run when it was asked for (Slipstream keeps no column of its own).
RUN_AFTER = type_coerce(case(
    (
        and_(RUNS.c.run_type.in_([str(DagRunType.SCHEDULED), str(DagRunType.BACKFILL)]),
             RUNS.c.data_interval_end.is_not(None)),
        RUNS.c.data_interval_end,
    ),
    else_=func.coalesce(RUNS.c.logical_date, RUNS.c.queued_at),
), UtcDateTime)


@dataclass(frozen=True)
class RunFilter:
    """What ``list_runs`` keeps. Patterns follow Airflow's ``*_pattern`` (case-insensitive
    substring, ``|`` for OR, ``~`` for all) and ``*_prefix_pattern`` (case-sensitive prefix)."""

    dag_ids: Sequence[str] | None = None
    states: Sequence[str] | None = None
    run_types: Sequence[str] | None = None
    logical_date: Range = field(default_factory=Range)
    run_after: Range = field(default_factory=Range)
    start_date: Range = field(default_factory=Range)
    end_date: Range = field(default_factory=Range)
    duration: Range = field(default_factory=Range)
    conf_contains: str | None = None
    run_id_pattern: str | None = None
    run_id_prefix: str | None = None
    dag_id_pattern: str | None = None
    dag_id_prefix: str | None = None
    partition_key_pattern: str | None = None
    partition_key_prefix: str | None = None


def _duration(dialect: str) -> ColumnElement[Any]:
    if dialect == "sqlite":
        return (func.julianday(RUNS.c.end_date) - func.julianday(RUNS.c.start_date)) * 86400.0
    return func.extract("epoch", RUNS.c.end_date - RUNS.c.start_date)


def _where(f: RunFilter, duration: Any) -> list[Any]:
    clauses: list[Any] = []
    if f.dag_ids is not None:
        clauses.append(RUNS.c.dag_id.in_(list(f.dag_ids)))
    if f.states:
        clauses.append(RUNS.c.state.in_(list(f.states)))
    if f.run_types:
        clauses.append(RUNS.c.run_type.in_(list(f.run_types)))
    clauses += f.logical_date.clauses(RUNS.c.logical_date)
    clauses += f.run_after.clauses(RUN_AFTER)
    clauses += f.start_date.clauses(RUNS.c.start_date)
    clauses += f.end_date.clauses(RUNS.c.end_date)
    clauses += f.duration.clauses(duration)
    if f.conf_contains:
        clauses.append(cast(RUNS.c.conf, String).contains(f.conf_contains, autoescape=True))
    for column, pattern, prefix in (
        (RUNS.c.run_id, f.run_id_pattern, f.run_id_prefix),
        (RUNS.c.dag_id, f.dag_id_pattern, f.dag_id_prefix),
        (RUNS.c.partition_key, f.partition_key_pattern, f.partition_key_prefix),
    ):
        for clause in (substring_match(column, pattern), prefix_match(column, prefix)):
            if clause is not None:
                clauses.append(clause)
    return clauses


ORDERABLE = ("id", "state", "dag_id", "run_id", "dag_run_id", "logical_date", "partition_date", "run_after",
             "start_date", "end_date", "conf", "duration")


def _order_column(name: str, duration: Any) -> Any:
    if name == "run_after":
        return RUN_AFTER
    if name == "duration":
        return duration
    if name == "conf":
        return cast(RUNS.c.conf, String)
    if name == "dag_run_id":
        return RUNS.c.run_id
    return RUNS.c[name]


def list_runs(
    session: Session, where: RunFilter, *, order_by: Sequence[tuple[str, bool]], limit: int | None, offset: int = 0
) -> tuple[list[Any], int]:
    """One page of runs (light rows: the run's columns, ``dag_display_name`` and ``run_after``)
    and how many match. ``order_by`` is (field of ``ORDERABLE``, descending) pairs, checked by
    the caller. Ties are broken by id."""
    dialect = session.get_bind().dialect.name
    duration = _duration(dialect)
    clauses = _where(where, duration)
    total = session.execute(select(func.count()).select_from(RUNS).where(*clauses)).scalar_one()
    ordering = []
    for name, descending in order_by:
        column = _order_column(name, duration)
        ordering.append(column.desc() if descending else column.asc())
    if not any(name == "id" for name, _ in order_by):
        ordering.append(RUNS.c.id.asc())
    query = (
        select(RUNS, DAGS.c.dag_display_name, RUN_AFTER.label("run_after"))
        .select_from(RUNS.outerjoin(DAGS, DAGS.c.dag_id == RUNS.c.dag_id))
        .where(*clauses)
        .order_by(*ordering)
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query)), total


def one_run(session: Session, dag_id: str, run_id: str) -> Any:
    """One run as ``list_runs`` gives it, or None."""
    query = (
        select(RUNS, DAGS.c.dag_display_name, RUN_AFTER.label("run_after"))
        .select_from(RUNS.outerjoin(DAGS, DAGS.c.dag_id == RUNS.c.dag_id))
        .where(RUNS.c.dag_id == dag_id, RUNS.c.run_id == run_id)
    )
    return session.execute(query).first()


def partition_runs(
    session: Session, dag_id: str, *, run_id: str | None = None, partition_key: str | None = None,
    start: Any = None, end: Any = None,
) -> list[Any]:
    """The runs of ``dag_id`` one partition selector picks (a run id, else a partition key, else a
    window of partition dates, both ends inclusive), by partition date then run id, as light rows."""
    query = select(RUNS.c.id, RUNS.c.run_id, RUNS.c.partition_key, RUNS.c.partition_date).where(RUNS.c.dag_id == dag_id)
    if run_id is not None:
        query = query.where(RUNS.c.run_id == run_id)
    elif partition_key is not None:
        query = query.where(RUNS.c.partition_key == partition_key)
    else:
        query = query.where(RUNS.c.partition_date.is_not(None), *Range(gte=start, lte=end).clauses(RUNS.c.partition_date))
    return list(session.execute(query.order_by(RUNS.c.partition_date, RUNS.c.run_id)))
