"""Assets, aliases, events and queued events as the REST API lists them: pages with filters, and
the references of a page of assets fetched in a few batched queries (never one per asset)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select

from slipstream.store import patterns, query_pages
from slipstream.store.assets import (
    ALIAS_ASSETS,
    ALIASES,
    ASSETS,
    EVENTS,
    OUTLETS,
    QUEUE,
    RUN_EVENTS,
    SCHEDULE_ALIASES,
    SCHEDULE_ASSETS,
    SCHEDULE_REFS,
    Db,
)
from slipstream.store.models import DagRow, DagRunRow

RUNS = DagRunRow.__table__
_ACTIVE = select(DagRow.dag_id).where(DagRow.is_active.is_(True))

ASSET_SORT = {"id": ASSETS.c.id, "name": ASSETS.c.name, "uri": ASSETS.c.uri, "created_at": ASSETS.c.created_at,
              "updated_at": ASSETS.c.created_at}
ALIAS_SORT = {"id": ALIASES.c.id, "name": ALIASES.c.name}
EVENT_SORT = {"source_task_id": EVENTS.c.source_task_id, "source_dag_id": EVENTS.c.source_dag_id,
              "source_run_id": EVENTS.c.source_run_id, "source_map_index": EVENTS.c.source_map_index,
              "timestamp": EVENTS.c.timestamp, "id": EVENTS.c.id}


def _text_filters(statement: Any, column: Any, pattern: str | None, prefix: str | None) -> Any:
    if pattern is not None:
        statement = statement.where(patterns.substring_match(column, pattern))
    if prefix is not None:
        statement = statement.where(patterns.prefix_match(column, prefix))
    return statement


def _scheduling_or_producing(dag_ids: Sequence[str]) -> Any:
    """Asset ids some of ``dag_ids`` is scheduled on (directly or by name/uri) or produces."""
    direct = select(SCHEDULE_ASSETS.c.asset_id).where(SCHEDULE_ASSETS.c.dag_id.in_(dag_ids))
    by_ref = select(ASSETS.c.id).join(
        SCHEDULE_REFS, or_(ASSETS.c.name == SCHEDULE_REFS.c.name, ASSETS.c.uri == SCHEDULE_REFS.c.uri)
    ).where(SCHEDULE_REFS.c.dag_id.in_(dag_ids))
    produced = select(OUTLETS.c.asset_id).where(OUTLETS.c.dag_id.in_(dag_ids))
    return direct.union(by_ref, produced)


def query_assets(db: Db, *, name_pattern: str | None = None, name_prefix: str | None = None,
                 uri_pattern: str | None = None, uri_prefix: str | None = None, dag_ids: Sequence[str] = (),
                 asset_ids: Sequence[int] | None = None, order_by: Sequence[str] = ("id",), limit: int | None = None,
                 offset: int = 0) -> tuple[list[Any], int]:
    statement = select(ASSETS)
    statement = _text_filters(statement, ASSETS.c.name, name_pattern, name_prefix)
    statement = _text_filters(statement, ASSETS.c.uri, uri_pattern, uri_prefix)
    if dag_ids:
        statement = statement.where(ASSETS.c.id.in_(_scheduling_or_producing(dag_ids)))
    if asset_ids is not None:
        statement = statement.where(ASSETS.c.id.in_(list(asset_ids)))
    statement = query_pages.order_by(statement, order_by, ASSET_SORT, ASSETS.c.id)
    return query_pages.page(db, statement, limit, offset)


def references(db: Db, assets: Sequence[Any]) -> dict[str, dict[int, list[Any]]]:
    """For each asset of the page: ``scheduled`` (dag_id, created_at) of active DAGs, ``producing``
    (dag_id, task_id), ``aliases`` rows, ``last_event`` (id, timestamp); five queries in all."""
    ids = [row.id for row in assets]
    found: dict[str, dict[int, list[Any]]] = {k: defaultdict(list) for k in ("scheduled", "producing", "aliases",
                                                                             "last_event")}
    if not ids:
        return found
    direct = select(SCHEDULE_ASSETS.c.asset_id, SCHEDULE_ASSETS.c.dag_id, SCHEDULE_ASSETS.c.created_at).where(
        SCHEDULE_ASSETS.c.asset_id.in_(ids), SCHEDULE_ASSETS.c.dag_id.in_(_ACTIVE))
    by_ref = select(ASSETS.c.id, SCHEDULE_REFS.c.dag_id, SCHEDULE_REFS.c.created_at).join(
        SCHEDULE_REFS, or_(ASSETS.c.name == SCHEDULE_REFS.c.name, ASSETS.c.uri == SCHEDULE_REFS.c.uri)
    ).where(ASSETS.c.id.in_(ids), SCHEDULE_REFS.c.dag_id.in_(_ACTIVE))
    for asset_id, dag_id, created_at in db.execute(direct.union(by_ref).order_by("dag_id")):
        found["scheduled"][asset_id].append((dag_id, created_at))
    outlets = select(OUTLETS.c.asset_id, OUTLETS.c.dag_id, OUTLETS.c.task_id).where(
        OUTLETS.c.asset_id.in_(ids), OUTLETS.c.dag_id.in_(_ACTIVE)).order_by(OUTLETS.c.dag_id, OUTLETS.c.task_id)
    for asset_id, dag_id, task_id in db.execute(outlets):
        found["producing"][asset_id].append((dag_id, task_id))
    aliases = select(ALIAS_ASSETS.c.asset_id, ALIASES).join(ALIASES, ALIASES.c.id == ALIAS_ASSETS.c.alias_id).where(
        ALIAS_ASSETS.c.asset_id.in_(ids)).order_by(ALIASES.c.name)
    for row in db.execute(aliases):
        found["aliases"][row.asset_id].append(row)
    latest = select(EVENTS.c.asset_id, func.max(EVENTS.c.id).label("id")).where(
        EVENTS.c.asset_id.in_(ids)).group_by(EVENTS.c.asset_id).subquery()
    last = select(EVENTS.c.asset_id, EVENTS.c.id, EVENTS.c.timestamp).join(latest, latest.c.id == EVENTS.c.id)
    for asset_id, event_id, timestamp in db.execute(last):
        found["last_event"][asset_id].append((event_id, timestamp))
    return found


def query_aliases(db: Db, *, name_pattern: str | None = None, name_prefix: str | None = None,
                  alias_id: int | None = None, order_by: Sequence[str] = ("id",), limit: int | None = None,
                  offset: int = 0) -> tuple[list[Any], int]:
    statement = _text_filters(select(ALIASES), ALIASES.c.name, name_pattern, name_prefix)
    if alias_id is not None:
        statement = statement.where(ALIASES.c.id == alias_id)
    statement = query_pages.order_by(statement, order_by, ALIAS_SORT, ALIASES.c.id)
    return query_pages.page(db, statement, limit, offset)


EVENT_FIELDS = (EVENTS, ASSETS.c.name, ASSETS.c.uri, ASSETS.c.group)


def query_events(db: Db, *, asset_id: int | None = None, source_dag_id: str | None = None,
                 source_task_id: str | None = None, source_run_id: str | None = None,
                 source_map_index: int | None = None, name_pattern: str | None = None, name_prefix: str | None = None,
                 after: tuple[datetime | None, datetime | None] = (None, None),
                 before: tuple[datetime | None, datetime | None] = (None, None), event_ids: Sequence[int] | None = None,
                 order_by: Sequence[str] = ("timestamp",), limit: int | None = None,
                 offset: int = 0) -> tuple[list[Any], int]:
    """Events with their asset's name, uri and group; ``after`` is (>=, >), ``before`` (<=, <)."""
    statement = select(*EVENT_FIELDS).join(ASSETS, ASSETS.c.id == EVENTS.c.asset_id)
    for column, value in ((EVENTS.c.asset_id, asset_id), (EVENTS.c.source_dag_id, source_dag_id),
                          (EVENTS.c.source_task_id, source_task_id), (EVENTS.c.source_run_id, source_run_id),
                          (EVENTS.c.source_map_index, source_map_index)):
        if value is not None:
            statement = statement.where(column == value)
    statement = _text_filters(statement, ASSETS.c.name, name_pattern, name_prefix)
    column = EVENTS.c.timestamp
    for value, compare in ((after[0], column.__ge__), (after[1], column.__gt__), (before[0], column.__le__),
                           (before[1], column.__lt__)):
        if value is not None:
            statement = statement.where(compare(value))
    if event_ids is not None:
        statement = statement.where(EVENTS.c.id.in_(list(event_ids)))
    statement = query_pages.order_by(statement, order_by, EVENT_SORT, EVENTS.c.id)
    return query_pages.page(db, statement, limit, offset)


def created_runs(db: Db, event_ids: Sequence[int]) -> dict[int, list[Any]]:
    """The runs each event triggered (asset-triggered runs linked to it), by event id."""
    if not event_ids:
        return {}
    query = select(RUN_EVENTS.c.event_id, RUNS).join(RUNS, RUNS.c.id == RUN_EVENTS.c.dag_run_id).where(
        RUN_EVENTS.c.event_id.in_(list(event_ids))).order_by(RUNS.c.id)
    runs: dict[int, list[Any]] = defaultdict(list)
    for row in db.execute(query):
        runs[row.event_id].append(row)
    return runs


def event_ids_of_run(db: Db, dag_run_id: int) -> list[int]:
    return list(db.execute(select(RUN_EVENTS.c.event_id).where(RUN_EVENTS.c.dag_run_id == dag_run_id)).scalars())


def _queue_filter(asset_id: int | None, dag_id: str | None, before: datetime | None) -> list[Any]:
    conditions = []
    if asset_id is not None:
        conditions.append(QUEUE.c.asset_id == asset_id)
    if dag_id is not None:
        conditions.append(QUEUE.c.target_dag_id == dag_id)
    if before is not None:
        conditions.append(QUEUE.c.created_at < before)
    return conditions


def queued_events(db: Db, *, asset_id: int | None = None, dag_id: str | None = None,
                  before: datetime | None = None) -> list[Any]:
    """Queued (not yet consumed) events: rows (target_dag_id, asset_id, created_at, dag_display_name)."""
    query = (
        select(QUEUE.c.target_dag_id, QUEUE.c.asset_id, QUEUE.c.created_at, DagRow.dag_display_name)
        .join(DagRow, DagRow.dag_id == QUEUE.c.target_dag_id, isouter=True)
        .where(and_(True, *_queue_filter(asset_id, dag_id, before)))
        .order_by(QUEUE.c.target_dag_id, QUEUE.c.asset_id)
    )
    return list(db.execute(query))


def delete_queued(db: Db, *, asset_id: int | None = None, dag_id: str | None = None,
                  before: datetime | None = None) -> int:
    return db.execute(delete(QUEUE).where(and_(True, *_queue_filter(asset_id, dag_id, before)))).rowcount


def producing_dags(db: Db, asset_id: int) -> list[str]:
    """Up to two active DAGs with a task that lists the asset in its outlets."""
    query = select(OUTLETS.c.dag_id).where(OUTLETS.c.asset_id == asset_id, OUTLETS.c.dag_id.in_(_ACTIVE)).group_by(
        OUTLETS.c.dag_id).order_by(OUTLETS.c.dag_id).limit(2)
    return list(db.execute(query).scalars())


def schedule_alias_dags(db: Db, alias_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    query = select(SCHEDULE_ALIASES.c.alias_id, SCHEDULE_ALIASES.c.dag_id).where(
        SCHEDULE_ALIASES.c.alias_id.in_(list(alias_ids)))
    for alias_id, dag_id in db.execute(query):
        found[alias_id].append(dag_id)
    return found
