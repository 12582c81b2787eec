"""Assets in the store: the assets and aliases DAGs name, the events tasks record, and the queue of
events each consuming DAG has not consumed yet.

A task that succeeds with outlets records its events in the transaction of its success
(``record_events``); each event queues a row for every active, unpaused DAG scheduled on the
asset (or on the alias it came through). The scheduler reads the queue (``queued``), decides
from each DAG's condition which runs to create (``scheduler/asset_triggers.py``), and
``consume`` takes the queue rows it decided on, compare-and-set, linking the run to its events.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, union
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from slipstream.store import partitions
from slipstream.store.models import (
    AssetAliasAssetRow,
    AssetAliasEventRow,
    AssetAliasRow,
    AssetDagRunQueueRow,
    AssetEventRow,
    AssetRow,
    DagRow,
    DagRunAssetEventRow,
    DagRunRow,
    DagScheduleAssetAliasRow,
    DagScheduleAssetRefRow,
    DagScheduleAssetRow,
    TaskOutletAssetRow,
)
from slipstream.store.upsert import dialect_name

ASSETS = AssetRow.__table__
ALIASES = AssetAliasRow.__table__
ALIAS_ASSETS = AssetAliasAssetRow.__table__
EVENTS = AssetEventRow.__table__
ALIAS_EVENTS = AssetAliasEventRow.__table__
SCHEDULE_ASSETS = DagScheduleAssetRow.__table__
SCHEDULE_ALIASES = DagScheduleAssetAliasRow.__table__
SCHEDULE_REFS = DagScheduleAssetRefRow.__table__
OUTLETS = TaskOutletAssetRow.__table__
QUEUE = AssetDagRunQueueRow.__table__
RUN_EVENTS = DagRunAssetEventRow.__table__

Db = Session | Connection
log = logging.getLogger("slipstream.assets")


class QueueConsumed(RuntimeError):
    """The queue rows a run was to be created from were consumed by someone else meanwhile."""


def _insert_ignore(db: Db, table: Any, values: Mapping[str, Any] | Sequence[Mapping[str, Any]]) -> None:
    """Insert, leaving alone a row whose key exists already (another process may insert it at the
    same moment: a task recording an event and the parser registering the same asset)."""
    if dialect_name(db) == "postgresql":
        db.execute(postgresql.insert(table).on_conflict_do_nothing(), values)
    else:
        db.execute(insert(table).prefix_with("OR IGNORE", dialect="sqlite"), values)


def asset_id(db: Db, asset: Mapping[str, Any], now: datetime) -> int:
    """The id of the asset ``{"name", "uri", "group"?, "extra"?}``, created if it is new."""
    query = select(ASSETS.c.id).where(ASSETS.c.name == asset["name"], ASSETS.c.uri == asset["uri"])
    found = db.execute(query).scalar()
    if found is not None:
        return int(found)
    _insert_ignore(db, ASSETS, {
        "name": asset["name"], "uri": asset["uri"], "group": asset.get("group") or "asset",
        "extra": asset.get("extra") or {}, "created_at": now,
    })
    return int(db.execute(query).scalar_one())


def alias_id(db: Db, name: str, group: str = "asset") -> int:
    query = select(ALIASES.c.id).where(ALIASES.c.name == name)
    found = db.execute(query).scalar()
    if found is not None:
        return int(found)
    _insert_ignore(db, ALIASES, {"name": name, "group": group or "asset"})
    return int(db.execute(query).scalar_one())


def _walk(condition: Mapping[str, Any] | None) -> Iterable[Mapping[str, Any]]:
    if condition is None:
        return
    if condition["kind"] in ("all", "any"):
        for item in condition["objects"]:
            yield from _walk(item)
    else:
        yield condition


def sync_dag(db: Db, dag_id: str, data: Mapping[str, Any], now: datetime) -> None:
    """Record the assets and aliases a parsed DAG names: its schedule's (which DAG consumes what)
    and its tasks' outlets and inlets (which task produces what). A reference stays as it was
    first seen, so the time a DAG started consuming an asset is kept across parses."""
    scheduled: set[int] = set()
    aliases: set[int] = set()
    refs: set[tuple[str, str]] = set()
    for item in _walk(data.get("asset_condition")):
        if item["kind"] == "asset":
            scheduled.add(asset_id(db, item, now))
        elif item["kind"] == "alias":
            aliases.add(alias_id(db, item["name"], item.get("group", "asset")))
        else:
            refs.add((item.get("name", ""), item.get("uri", "")))
    _replace_references(db, SCHEDULE_ASSETS, SCHEDULE_ASSETS.c.asset_id, dag_id, scheduled, now)
    _replace_references(db, SCHEDULE_ALIASES, SCHEDULE_ALIASES.c.alias_id, dag_id, aliases, now)
    have = set(db.execute(select(SCHEDULE_REFS.c.name, SCHEDULE_REFS.c.uri).where(SCHEDULE_REFS.c.dag_id == dag_id)))
    have = {tuple(row) for row in have}
    for name, uri in have - refs:
        db.execute(delete(SCHEDULE_REFS).where(
            SCHEDULE_REFS.c.dag_id == dag_id, SCHEDULE_REFS.c.name == name, SCHEDULE_REFS.c.uri == uri
        ))
    if refs - have:
        db.execute(insert(SCHEDULE_REFS), [
            {"dag_id": dag_id, "name": name, "uri": uri, "created_at": now} for name, uri in sorted(refs - have)
        ])
    partitions.sync_mappers(db, dag_id, data)
    outlets: set[tuple[str, int]] = set()
    for task in data.get("tasks") or ():
        for item in task.get("outlets") or ():
            if item["kind"] == "asset":
                outlets.add((task["task_id"], asset_id(db, item, now)))
            elif item["kind"] == "alias":
                alias_id(db, item["name"], item.get("group", "asset"))
        for item in task.get("inlets") or ():
            if item["kind"] == "asset":
                asset_id(db, item, now)
    db.execute(delete(OUTLETS).where(OUTLETS.c.dag_id == dag_id))
    if outlets:
        db.execute(insert(OUTLETS), [{"dag_id": dag_id, "task_id": t, "asset_id": a} for t, a in sorted(outlets)])


def _replace_references(db: Db, table: Any, column: Any, dag_id: str, wanted: set[int], now: datetime) -> None:
    have = set(db.execute(select(column).where(table.c.dag_id == dag_id)).scalars())
    if have - wanted:
        db.execute(delete(table).where(table.c.dag_id == dag_id, column.in_(sorted(have - wanted))))
    if wanted - have:
        db.execute(insert(table), [{"dag_id": dag_id, column.name: i, "created_at": now} for i in sorted(wanted - have)])


# -- events -------------------------------------------------------------------------------------


_ACTIVE_UNPAUSED = select(DagRow.dag_id).where(DagRow.is_active.is_(True), DagRow.is_paused.is_(False))


def record_events(
    db: Db, events: Sequence[Mapping[str, Any]], source: tuple[str, str, str, int], now: datetime
) -> list[int]:
    """Record the events of a try that succeeded: ``{"asset": {name, uri, group, extra}, "extra",
    "alias": name or None}`` each. Every active, unpaused DAG scheduled on the asset (or on a
    reference to its name or uri, or on the alias the event came through) gets the asset queued
    (if it is not queued already)."""
    dag_id, run_id, task_id, map_index = source
    ids: list[int] = []
    for event in events:
        target = asset_id(db, event["asset"], now)
        partition_key = event.get("partition_key")
        event_id = db.execute(
            insert(EVENTS).values(
                asset_id=target, extra=event.get("extra") or {}, source_dag_id=dag_id, source_run_id=run_id,
                source_task_id=task_id, source_map_index=map_index, timestamp=now, partition_key=partition_key,
            ).returning(EVENTS.c.id)
        ).scalar_one()
        ids.append(int(event_id))
        asset = event["asset"]
        # Partitioned consumers (PartitionedAssetTimetable) have a mapper: they take keyed events only.
        scheduled = select(SCHEDULE_ASSETS.c.dag_id, SCHEDULE_ASSETS.c.partition_mapper).where(
            SCHEDULE_ASSETS.c.asset_id == target, SCHEDULE_ASSETS.c.dag_id.in_(_ACTIVE_UNPAUSED)
        )
        by_ref = or_(SCHEDULE_REFS.c.name == asset["name"], SCHEDULE_REFS.c.uri == asset["uri"])
        referring = select(SCHEDULE_REFS.c.dag_id, SCHEDULE_REFS.c.partition_mapper).where(
            by_ref, SCHEDULE_REFS.c.dag_id.in_(_ACTIVE_UNPAUSED)
        )
        mapped = [(d, m) for query in (scheduled, referring) for d, m in db.execute(query) if m is not None]
        consumers = [
            select(SCHEDULE_ASSETS.c.dag_id).where(
                SCHEDULE_ASSETS.c.asset_id == target, SCHEDULE_ASSETS.c.partition_mapper.is_(None)
            ),
            select(SCHEDULE_REFS.c.dag_id).where(by_ref, SCHEDULE_REFS.c.partition_mapper.is_(None)),
        ]
        if event.get("alias"):
            alias = alias_id(db, event["alias"])
            _insert_ignore(db, ALIAS_ASSETS, {"alias_id": alias, "asset_id": target})
            db.execute(insert(ALIAS_EVENTS).values(alias_id=alias, event_id=event_id))
            consumers.append(select(SCHEDULE_ALIASES.c.dag_id).where(SCHEDULE_ALIASES.c.alias_id == alias))
        if partition_key is not None:
            # As in Airflow: an event for a partition feeds the partitioned consumers only.
            partitions.queue_event(db, event_id=int(event_id), asset_id=target, partition_key=partition_key,
                                   consumers=mapped, source=(dag_id, run_id), now=now)
            continue
        if mapped:
            log.warning("Asset %s was updated without a partition key by %s.%s (%s): the partitioned DAGs scheduled "
                        "on it (%s) get no run from this event", asset["name"], dag_id, task_id, run_id,
                        ", ".join(d for d, _ in mapped))
        waiting = select(DagRow.dag_id).where(DagRow.dag_id.in_(union(*consumers)), DagRow.dag_id.in_(_ACTIVE_UNPAUSED))
        rows = [{"asset_id": target, "target_dag_id": d, "created_at": now} for d in db.execute(waiting).scalars()]
        if rows:
            _insert_ignore(db, QUEUE, rows)
    return ids


EVENT_COLUMNS = (
    EVENTS.c.id, EVENTS.c.extra, EVENTS.c.source_dag_id, EVENTS.c.source_run_id, EVENTS.c.source_task_id,
    EVENTS.c.source_map_index, EVENTS.c.timestamp, EVENTS.c.partition_key, ASSETS.c.name, ASSETS.c.uri, ASSETS.c.group,
    ASSETS.c.extra.label("asset_extra"),
)


def as_events(db: Db, rows: Sequence[Any]) -> list[dict[str, Any]]:
    """Event rows as plain data (they cross to task processes), with the aliases they came through."""
    ids = [row.id for row in rows]
    via: dict[int, list[str]] = defaultdict(list)
    if ids:
        query = (
            select(ALIAS_EVENTS.c.event_id, ALIASES.c.name)
            .join(ALIASES, ALIASES.c.id == ALIAS_EVENTS.c.alias_id)
            .where(ALIAS_EVENTS.c.event_id.in_(ids))
        )
        for event_id, name in db.execute(query):
            via[event_id].append(name)
    runs = _source_runs(db, {(row.source_dag_id, row.source_run_id) for row in rows if row.source_run_id})
    return [
        {
            "id": row.id, "extra": dict(row.extra or {}), "timestamp": row.timestamp,
            "source_dag_run": runs.get((row.source_dag_id, row.source_run_id)),
            "source_dag_id": row.source_dag_id, "source_run_id": row.source_run_id,
            "source_task_id": row.source_task_id, "source_map_index": row.source_map_index,
            "partition_key": row.partition_key,
            "asset": {"name": row.name, "uri": row.uri, "group": row.group, "extra": dict(row.asset_extra or {})},
            "source_aliases": sorted(via[row.id]),
        }
        for row in rows
    ]


def _source_runs(db: Db, keys: set[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The runs that recorded events (``event.source_dag_run``), as plain data."""
    if not keys:
        return {}
    runs = DagRunRow.__table__
    query = select(
        runs.c.dag_id, runs.c.run_id, runs.c.run_type, runs.c.state, runs.c.logical_date, runs.c.data_interval_start,
        runs.c.data_interval_end, runs.c.start_date, runs.c.end_date, runs.c.conf,
    ).where(or_(*(and_(runs.c.dag_id == dag_id, runs.c.run_id == run_id) for dag_id, run_id in sorted(keys))))
    return {(row.dag_id, row.run_id): dict(row._mapping) for row in db.execute(query)}


def events(
    db: Db,
    *,
    name: str | None = None,
    uri: str | None = None,
    alias: str | None = None,
    after: datetime | None = None,
    before: datetime | None = None,
    ascending: bool = True,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Events of an asset (by name and/or uri) or of the assets an alias resolved to, oldest first
    unless ``ascending`` is False."""
    query = select(*EVENT_COLUMNS).join(ASSETS, ASSETS.c.id == EVENTS.c.asset_id)
    if alias is not None:
        query = query.join(ALIAS_EVENTS, ALIAS_EVENTS.c.event_id == EVENTS.c.id).join(
            ALIASES, ALIASES.c.id == ALIAS_EVENTS.c.alias_id
        ).where(ALIASES.c.name == alias)
    if name is not None:
        query = query.where(ASSETS.c.name == name)
    if uri is not None:
        query = query.where(ASSETS.c.uri == uri)
    if after is not None:
        query = query.where(EVENTS.c.timestamp >= after)
    if before is not None:
        query = query.where(EVENTS.c.timestamp <= before)
    order = (EVENTS.c.timestamp, EVENTS.c.id) if ascending else (EVENTS.c.timestamp.desc(), EVENTS.c.id.desc())
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    return as_events(db, list(db.execute(query)))


def events_of_run(db: Db, dag_run_id: int) -> list[dict[str, Any]]:
    """The events that triggered an asset-triggered run, oldest first."""
    query = (
        select(*EVENT_COLUMNS)
        .join(ASSETS, ASSETS.c.id == EVENTS.c.asset_id)
        .join(RUN_EVENTS, RUN_EVENTS.c.event_id == EVENTS.c.id)
        .where(RUN_EVENTS.c.dag_run_id == dag_run_id)
        .order_by(EVENTS.c.timestamp, EVENTS.c.id)
    )
    return as_events(db, list(db.execute(query)))


def find_asset(db: Db, *, name: str | None = None, uri: str | None = None) -> dict[str, Any] | None:
    """An asset by name or uri (the first registered when several match), as plain data."""
    query = select(ASSETS.c.name, ASSETS.c.uri, ASSETS.c.group, ASSETS.c.extra).order_by(ASSETS.c.id).limit(1)
    if name is not None:
        query = query.where(ASSETS.c.name == name)
    if uri is not None:
        query = query.where(ASSETS.c.uri == uri)
    row = db.execute(query).first()
    return None if row is None else {"name": row.name, "uri": row.uri, "group": row.group, "extra": dict(row.extra or {})}


# -- the queue ----------------------------------------------------------------------------------

_QUEUED = (
    select(QUEUE.c.target_dag_id, QUEUE.c.asset_id, QUEUE.c.created_at, ASSETS.c.name, ASSETS.c.uri)
    .join(ASSETS, ASSETS.c.id == QUEUE.c.asset_id)
    .join(DagRow, DagRow.dag_id == QUEUE.c.target_dag_id)
    .where(DagRow.is_active.is_(True), DagRow.is_paused.is_(False))
    .order_by(QUEUE.c.target_dag_id, QUEUE.c.created_at)
)
_ANY_QUEUED = select(QUEUE.c.asset_id).limit(1)


def queued(db: Db) -> dict[str, list[Any]]:
    """The queue of each active, unpaused DAG: rows (asset_id, created_at, name, uri), by dag_id.
    A first query that finds the queue empty (the usual case) costs one indexed lookup."""
    if db.execute(_ANY_QUEUED).first() is None:
        return {}
    by_dag: dict[str, list[Any]] = defaultdict(list)
    for row in db.execute(_QUEUED):
        by_dag[row.target_dag_id].append(row)
    return dict(by_dag)


def alias_targets(db: Db, names: Iterable[str]) -> dict[str, set[tuple[str, str]]]:
    """The assets (name, uri) each alias resolved to through the events added through it."""
    names = sorted(set(names))
    targets: dict[str, set[tuple[str, str]]] = {name: set() for name in names}
    if not names:
        return targets
    query = (
        select(ALIASES.c.name, ASSETS.c.name.label("asset_name"), ASSETS.c.uri)
        .join(ALIAS_ASSETS, ALIAS_ASSETS.c.alias_id == ALIASES.c.id)
        .join(ASSETS, ASSETS.c.id == ALIAS_ASSETS.c.asset_id)
        .where(ALIASES.c.name.in_(names))
    )
    for alias, asset_name, uri in db.execute(query):
        targets[alias].add((asset_name, uri))
    return targets


def consume(db: Db, dag_id: str, rows: Sequence[Any], dag_run_id: int) -> int:
    """Take the queue rows a run was created from (compare-and-set on their time: QueueConsumed
    if one moved meanwhile) and link the run to its triggering events: those of the queued
    assets since each was queued. Returns how many events."""
    for row in rows:
        taken = db.execute(
            delete(QUEUE).where(
                QUEUE.c.asset_id == row.asset_id, QUEUE.c.target_dag_id == dag_id, QUEUE.c.created_at == row.created_at
            )
        ).rowcount
        if taken != 1:
            raise QueueConsumed(f"the queued events of DAG {dag_id!r} were consumed by another scheduler")
    # Each queued asset's events since its row was queued: an event recorded after the queue was
    # read found the row there (and queued nothing), so it belongs to this run too.
    found = select(EVENTS.c.id).where(
        or_(*(and_(EVENTS.c.asset_id == row.asset_id, EVENTS.c.timestamp >= row.created_at) for row in rows))
    ).order_by(EVENTS.c.id)
    event_ids = list(db.execute(found).scalars())
    if event_ids:
        db.execute(insert(RUN_EVENTS), [{"dag_run_id": dag_run_id, "event_id": e} for e in event_ids])
    return len(event_ids)


def drop_queue(db: Db, dag_id: str) -> int:
    """Forget what is queued for a DAG that is no longer scheduled on assets."""
    return db.execute(delete(QUEUE).where(QUEUE.c.target_dag_id == dag_id)).rowcount
