"""What ``slipstream assets list|events`` shows: every asset with who consumes and produces it,
and the latest events."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import func, or_, select

from slipstream.store.assets import (
    ALIAS_ASSETS,
    ASSETS,
    EVENT_COLUMNS,
    EVENTS,
    OUTLETS,
    SCHEDULE_ALIASES,
    SCHEDULE_ASSETS,
    SCHEDULE_REFS,
    Db,
    as_events,
)
from slipstream.store.models import DagRow


def list_assets(db: Db) -> list[dict[str, Any]]:
    """Every asset with the active DAGs scheduled on it (directly or through an alias it resolved
    to) and the tasks of active DAGs that list it in their outlets, by name."""
    active = select(DagRow.dag_id).where(DagRow.is_active.is_(True))
    consumers: dict[int, set[str]] = defaultdict(set)
    direct = select(SCHEDULE_ASSETS.c.dag_id, SCHEDULE_ASSETS.c.asset_id).where(SCHEDULE_ASSETS.c.dag_id.in_(active))
    for dag_id, target in db.execute(direct):
        consumers[target].add(dag_id)
    via_alias = (
        select(SCHEDULE_ALIASES.c.dag_id, ALIAS_ASSETS.c.asset_id)
        .join(ALIAS_ASSETS, ALIAS_ASSETS.c.alias_id == SCHEDULE_ALIASES.c.alias_id)
        .where(SCHEDULE_ALIASES.c.dag_id.in_(active))
    )
    for dag_id, target in db.execute(via_alias):
        consumers[target].add(dag_id)
    by_ref = (
        select(SCHEDULE_REFS.c.dag_id, ASSETS.c.id)
        .join(ASSETS, or_(ASSETS.c.name == SCHEDULE_REFS.c.name, ASSETS.c.uri == SCHEDULE_REFS.c.uri))
        .where(SCHEDULE_REFS.c.dag_id.in_(active))
    )
    for dag_id, target in db.execute(by_ref):
        consumers[target].add(dag_id)
    producers: dict[int, set[str]] = defaultdict(set)
    outlets = select(OUTLETS.c.dag_id, OUTLETS.c.task_id, OUTLETS.c.asset_id).where(OUTLETS.c.dag_id.in_(active))
    for dag_id, task_id, target in db.execute(outlets):
        producers[target].add(f"{dag_id}.{task_id}")
    last_event = dict(
        db.execute(select(EVENTS.c.asset_id, func.max(EVENTS.c.timestamp)).group_by(EVENTS.c.asset_id)).tuples().all()
    )
    rows = db.execute(select(ASSETS).order_by(ASSETS.c.name, ASSETS.c.uri))
    return [
        {
            "name": row.name, "uri": row.uri, "group": row.group, "extra": dict(row.extra or {}),
            "consuming_dags": sorted(consumers[row.id]), "producing_tasks": sorted(producers[row.id]),
            "last_event": last_event.get(row.id),
        }
        for row in rows
    ]


def match_asset(name_or_uri: str) -> Any:
    """The condition selecting an asset by its name or its uri."""
    return or_(ASSETS.c.name == name_or_uri, ASSETS.c.uri == name_or_uri)


def recent_events(db: Db, *, asset: str | None = None, limit: int = 25) -> list[dict[str, Any]]:
    """The latest events, newest first; ``asset`` (a name or a uri) keeps that asset's only."""
    query = select(*EVENT_COLUMNS).join(ASSETS, ASSETS.c.id == EVENTS.c.asset_id)
    if asset is not None:
        query = query.where(match_asset(asset))
    query = query.order_by(EVENTS.c.timestamp.desc(), EVENTS.c.id.desc()).limit(limit)
    return as_events(db, list(db.execute(query)))


def asset_exists(db: Db, name_or_uri: str) -> bool:
    return db.execute(select(ASSETS.c.id).where(match_asset(name_or_uri)).limit(1)).first() is not None
