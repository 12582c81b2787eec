"""Listing DAGs with filters, order and paging in one query (plus one to count), the tags of
all DAGs, run counts and import errors: what the REST API's listings read. A page of DAGs reads
the ``dag`` rows only (they hold what listings show of the serialized DAG, see dag_facts.py)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, exists, func, literal, or_, select, true
from sqlalchemy.orm import Session
from sqlalchemy.sql import ColumnElement, Select

from slipstream.store.models import (
    AssetRow,
    DagRow,
    DagRunRow,
    DagScheduleAssetRow,
    ImportErrorRow,
)
from slipstream.store.patterns import Range, prefix_match, substring_match


@dataclass(frozen=True)
class DagFilter:
    """Which DAGs a listing keeps; every field left at its default keeps all (active) DAGs.
    The ``last_run_*`` and ``run_*`` fields apply to each DAG's latest run (the one created last)."""

    dag_ids: Collection[str] | None = None
    dag_id_pattern: str | None = None
    dag_id_prefix_pattern: str | None = None
    dag_display_name_pattern: str | None = None
    dag_display_name_prefix_pattern: str | None = None
    search: str | None = None  # a substring of the dag id or of the display name (the UI's search box)
    tags: Sequence[str] = ()
    all_tags: bool = False
    owners: Sequence[str] = ()
    exclude_stale: bool = True
    paused: bool | None = None
    has_import_errors: bool | None = None
    has_asset_schedule: bool | None = None
    timetable_kinds: Sequence[str] | None = None  # the schedule's kinds (see _timetable_kind_in)
    asset_dependency: str | None = None
    last_run_state: str | None = None
    last_run_states: Sequence[str] = ()
    run_start: Range | None = None
    run_end: Range | None = None

    @property
    def on_latest_run(self) -> bool:
        return bool(self.last_run_state or self.last_run_states or self.run_start or self.run_end)


@dataclass(frozen=True)
class DagListing:
    dag: DagRow
    has_import_errors: bool


# The sort keys a listing accepts, by the name the API uses.
ORDER_FIELDS = ("dag_id", "dag_display_name", "next_dagrun", "last_run_state", "last_run_start_date")
_ON_LATEST_RUN = {"last_run_state", "last_run_start_date"}


def _elements(session: Session, column: Any) -> Any:
    """The items of a JSON array column as a table with one ``value`` column."""
    if session.get_bind().dialect.name == "postgresql":
        return func.json_array_elements_text(column).table_valued("value")
    return func.json_each(column).table_valued("value")


def _has_tag(session: Session, tag: str) -> ColumnElement[bool]:
    items = _elements(session, DagRow.tags)
    return exists(select(literal(1)).select_from(items).where(items.c.value == tag))


def display_name() -> ColumnElement[str]:
    return func.coalesce(DagRow.dag_display_name, DagRow.dag_id)


def _id_or_name(pattern: str | None) -> ColumnElement[bool] | None:
    by_id, by_name = substring_match(DagRow.dag_id, pattern), substring_match(display_name(), pattern)
    return None if by_id is None or by_name is None else or_(by_id, by_name)


def _import_error_exists() -> ColumnElement[bool]:
    return exists(select(ImportErrorRow.id).where(ImportErrorRow.filename == DagRow.fileloc))


# Kinds of ``DagFilter.timetable_kinds`` beyond the timetables' own: no schedule at all, assets
# only, assets or a time schedule.
NO_SCHEDULE, ASSETS_ONLY, ASSETS_OR_TIME = "null", "assets", "assets_or_time"


def _timetable_kind_in(kinds: Sequence[str]) -> ColumnElement[bool]:
    kind, assets = DagRow.timetable_kind, DagRow.asset_triggered
    special = {
        NO_SCHEDULE: and_(kind.is_(None), assets.is_(False)),
        ASSETS_ONLY: and_(kind.is_(None), assets.is_(True)),
        ASSETS_OR_TIME: and_(kind.is_not(None), assets.is_(True)),
    }
    plain = [k for k in kinds if k not in special]
    return or_(and_(kind.in_(plain), assets.is_(False)), *(special[k] for k in kinds if k in special))


def _depends_on_asset(text: str) -> ColumnElement[bool]:
    needle = text.lower()
    return DagRow.dag_id.in_(
        select(DagScheduleAssetRow.dag_id)
        .join(AssetRow, AssetRow.id == DagScheduleAssetRow.asset_id)
        .where(or_(func.lower(AssetRow.name).contains(needle, autoescape=True),
                   func.lower(AssetRow.uri).contains(needle, autoescape=True)))
    )


def _conditions(session: Session, where: DagFilter) -> list[ColumnElement[bool]]:
    found: list[ColumnElement[bool] | None] = [
        DagRow.is_active.is_(True) if where.exclude_stale else None,
        DagRow.dag_id.in_(list(where.dag_ids)) if where.dag_ids is not None else None,
        substring_match(DagRow.dag_id, where.dag_id_pattern),
        prefix_match(DagRow.dag_id, where.dag_id_prefix_pattern),
        substring_match(display_name(), where.dag_display_name_pattern),
        prefix_match(display_name(), where.dag_display_name_prefix_pattern),
        _id_or_name(where.search),
        DagRow.is_paused.is_(where.paused) if where.paused is not None else None,
    ]
    if where.tags:
        tags = [_has_tag(session, tag) for tag in where.tags]
        found.append(and_(*tags) if where.all_tags else or_(*tags))
    if where.owners:
        found.append(or_(*(func.lower(DagRow.owners).contains(o.lower(), autoescape=True) for o in where.owners)))
    if where.has_import_errors is not None:
        found.append(_import_error_exists() if where.has_import_errors else ~_import_error_exists())
    if where.has_asset_schedule is not None:
        found.append(DagRow.asset_triggered.is_(where.has_asset_schedule))
    if where.timetable_kinds is not None:
        found.append(_timetable_kind_in(where.timetable_kinds))
    if where.asset_dependency is not None:
        found.append(_depends_on_asset(where.asset_dependency))
    return [condition for condition in found if condition is not None]


def _latest_run_conditions(run: Any, where: DagFilter) -> list[ColumnElement[bool]]:
    found = []
    if where.last_run_state:
        found.append(run.state == where.last_run_state)
    if where.last_run_states:
        found.append(run.state.in_(list(where.last_run_states)))
    if where.run_start:
        found += where.run_start.clauses(run.start_date)
    if where.run_end:
        found += where.run_end.clauses(run.end_date)
    return found


def _with_latest_run(query: Select, run: Any) -> Select:
    latest = select(DagRunRow.dag_id, func.max(DagRunRow.id).label("run_id")).group_by(DagRunRow.dag_id).subquery()
    return query.outerjoin(latest, latest.c.dag_id == DagRow.dag_id).outerjoin(run, run.c.id == latest.c.run_id)


def dag_ids(session: Session, where: DagFilter) -> list[str]:
    """The ids of the DAGs ``where`` keeps, in order."""
    query = select(DagRow.dag_id)
    conditions = _conditions(session, where)
    if where.on_latest_run:
        run = DagRunRow.__table__.alias("latest_run")
        query = _with_latest_run(query, run)
        conditions += _latest_run_conditions(run.c, where)
    return list(session.scalars(query.where(*conditions).order_by(DagRow.dag_id)))


def list_dags(
    session: Session, where: DagFilter, order: Sequence[tuple[str, bool]] = (), *, limit: int | None = None,
    offset: int = 0,
) -> tuple[list[DagListing], int]:
    """One page of the DAGs ``where`` keeps, ordered by ``order`` (``(field, descending)`` pairs
    of ``ORDER_FIELDS``; dag_id breaks ties), and how many there are in all."""
    run = DagRunRow.__table__.alias("latest_run")
    join_run = where.on_latest_run or any(name in _ON_LATEST_RUN for name, _ in order)
    conditions = _conditions(session, where)
    if where.on_latest_run:
        conditions += _latest_run_conditions(run.c, where)

    counted = select(func.count()).select_from(DagRow)
    if join_run:
        counted = _with_latest_run(counted, run)
    total = session.scalar(counted.where(*conditions)) or 0

    columns = {
        "dag_id": DagRow.dag_id, "dag_display_name": display_name(), "next_dagrun": DagRow.next_dagrun,
        "last_run_state": run.c.state, "last_run_start_date": run.c.start_date,
    }
    sort = [(columns[name].desc() if descending else columns[name].asc()).nulls_last() for name, descending in order]
    if not any(name == "dag_id" for name, _ in order):
        sort.append(DagRow.dag_id.asc())
    query = select(DagRow, _import_error_exists())
    if join_run:
        query = _with_latest_run(query, run)
    query = query.where(*conditions).order_by(*sort).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    listings = [DagListing(dag=dag, has_import_errors=bool(errors)) for dag, errors in session.execute(query)]
    return listings, total


def list_tags(
    session: Session, *, pattern: str | None = None, prefix_pattern: str | None = None, descending: bool = False,
    limit: int | None = None, offset: int = 0,
) -> tuple[list[str], int]:
    """The distinct tags of active DAGs, by name, and how many there are."""
    items = _elements(session, DagRow.tags)
    name = items.c.value
    conditions = [c for c in (substring_match(name, pattern), prefix_match(name, prefix_pattern)) if c is not None]
    names = (
        select(name.label("name")).select_from(DagRow).join(items, true())
        .where(DagRow.is_active.is_(True), *conditions).group_by(name)
    )
    total = session.scalar(select(func.count()).select_from(names.subquery())) or 0
    query = names.order_by(name.desc() if descending else name.asc()).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def run_counts(session: Session, dag_ids: Collection[str] | None = None) -> list[tuple[str, str, str, int]]:
    """(dag_id, display name, run state, number of runs) for every DAG that has runs (of ``dag_ids``)."""
    query = (
        select(DagRunRow.dag_id, func.coalesce(DagRow.dag_display_name, DagRunRow.dag_id), DagRunRow.state, func.count())
        .outerjoin(DagRow, DagRow.dag_id == DagRunRow.dag_id)
        .group_by(DagRunRow.dag_id, DagRow.dag_display_name, DagRunRow.state)
        .order_by(DagRunRow.dag_id)
    )
    if dag_ids is not None:
        query = query.where(DagRunRow.dag_id.in_(list(dag_ids)))
    return [(dag_id, name, state, count) for dag_id, name, state, count in session.execute(query)]


IMPORT_ERROR_ORDER_FIELDS = ("id", "import_error_id", "timestamp", "filename", "bundle_name", "stacktrace")


def list_import_errors(
    session: Session, order: Sequence[tuple[str, bool]] = (), *, filename: str | None = None,
    filename_pattern: str | None = None, filename_prefix_pattern: str | None = None, limit: int | None = None,
    offset: int = 0,
) -> tuple[list[ImportErrorRow], int]:
    """A page of the recorded import errors and how many there are. ``bundle_name`` orders like
    ``id``: every file is in the one DAG folder bundle."""
    conditions = [
        c for c in (
            ImportErrorRow.filename == filename if filename is not None else None,
            substring_match(ImportErrorRow.filename, filename_pattern),
            prefix_match(ImportErrorRow.filename, filename_prefix_pattern),
        ) if c is not None
    ]
    total = session.scalar(select(func.count()).select_from(ImportErrorRow).where(*conditions)) or 0
    columns = {
        "id": ImportErrorRow.id, "import_error_id": ImportErrorRow.id, "bundle_name": ImportErrorRow.id,
        "timestamp": ImportErrorRow.timestamp, "filename": ImportErrorRow.filename,
        "stacktrace": ImportErrorRow.stacktrace,
    }
    sort = [columns[name].desc() if descending else columns[name].asc() for name, descending in order]
    query = select(ImportErrorRow).where(*conditions).order_by(*sort, ImportErrorRow.id).offset(offset)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query)), total


def get_import_error(session: Session, import_error_id: int) -> ImportErrorRow | None:
    return session.get(ImportErrorRow, import_error_id)
