"""Assets: what DAGs produce (outlets) and are scheduled on, their aliases, the events recorded
for them, the events each consuming DAG has not consumed yet, and creating an event by hand,
which schedules the consuming DAGs as an event recorded by a task does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.services.context import ServiceContext
from slipstream.services.errors import Conflict, InvalidRequest, NotFound
from slipstream.services.paging import Page
from slipstream.store import asset_listings, asset_pages
from slipstream.store import assets as asset_store
from slipstream.store.clock import utcnow
from slipstream.store.query_pages import UnknownSortField


@dataclass(frozen=True)
class Alias:
    id: int
    name: str
    group: str


@dataclass(frozen=True)
class Asset:
    id: int
    name: str
    uri: str
    group: str
    extra: dict[str, Any]
    created_at: datetime
    scheduled_dags: list[tuple[str, datetime]]  # (dag_id, since when)
    producing_tasks: list[tuple[str, str]]  # (dag_id, task_id)
    aliases: list[Alias]
    last_event: tuple[int, datetime] | None


@dataclass(frozen=True)
class EventRun:
    """A run an event triggered."""

    dag_id: str
    run_id: str
    state: str
    logical_date: datetime | None
    queued_at: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    partition_key: str | None


@dataclass(frozen=True)
class AssetEvent:
    id: int
    asset_id: int
    name: str
    uri: str
    group: str
    extra: dict[str, Any]
    source_dag_id: str | None
    source_task_id: str | None
    source_run_id: str | None
    source_map_index: int
    timestamp: datetime
    partition_key: str | None
    created_runs: list[EventRun]


@dataclass(frozen=True)
class QueuedEvent:
    dag_id: str
    asset_id: int
    created_at: datetime
    dag_display_name: str


def _page(function: Any, *args: Any, **kwargs: Any) -> tuple[list[Any], int]:
    try:
        return function(*args, **kwargs)
    except UnknownSortField as err:
        raise InvalidRequest(str(err)) from None


def _assets(session: Any, rows: list[Any]) -> list[Asset]:
    refs = asset_pages.references(session, rows)
    return [
        Asset(
            id=row.id, name=row.name, uri=row.uri, group=row.group, extra=dict(row.extra or {}),
            created_at=row.created_at, scheduled_dags=refs["scheduled"].get(row.id, []),
            producing_tasks=refs["producing"].get(row.id, []),
            aliases=[Alias(a.id, a.name, a.group) for a in refs["aliases"].get(row.id, [])],
            last_event=(refs["last_event"].get(row.id) or [None])[0],
        )
        for row in rows
    ]


def list_assets(ctx: ServiceContext, *, limit: int | None = None, offset: int = 0, order_by: list[str] | None = None,
                name_pattern: str | None = None, name_prefix: str | None = None, uri_pattern: str | None = None,
                uri_prefix: str | None = None, dag_ids: list[str] | None = None) -> Page[Asset]:
    with ctx.db.read() as session:
        rows, total = _page(asset_pages.query_assets, session, name_pattern=name_pattern, name_prefix=name_prefix,
                            uri_pattern=uri_pattern, uri_prefix=uri_prefix, dag_ids=dag_ids or (),
                            order_by=order_by or ["id"], limit=limit, offset=offset)
        return Page(_assets(session, rows), total)


def get_asset(ctx: ServiceContext, asset_id: int) -> Asset:
    with ctx.db.read() as session:
        rows, _ = asset_pages.query_assets(session, asset_ids=[asset_id])
        if not rows:
            raise NotFound(f"Asset {asset_id} does not exist (GET /api/v2/assets lists them)")
        return _assets(session, rows)[0]


def list_aliases(ctx: ServiceContext, *, limit: int | None = None, offset: int = 0, order_by: list[str] | None = None,
                 name_pattern: str | None = None, name_prefix: str | None = None) -> Page[Alias]:
    with ctx.db.read() as session:
        rows, total = _page(asset_pages.query_aliases, session, name_pattern=name_pattern, name_prefix=name_prefix,
                            order_by=order_by or ["id"], limit=limit, offset=offset)
    return Page([Alias(r.id, r.name, r.group) for r in rows], total)


def get_alias(ctx: ServiceContext, alias_id: int) -> Alias:
    with ctx.db.read() as session:
        rows, _ = asset_pages.query_aliases(session, alias_id=alias_id)
    if not rows:
        raise NotFound(f"Asset alias {alias_id} does not exist (GET /api/v2/assets/aliases lists them)")
    return Alias(rows[0].id, rows[0].name, rows[0].group)


def _events(session: Any, rows: list[Any]) -> list[AssetEvent]:
    runs = asset_pages.created_runs(session, [row.id for row in rows])
    return [
        AssetEvent(
            id=row.id, asset_id=row.asset_id, name=row.name, uri=row.uri, group=row.group, extra=dict(row.extra or {}),
            source_dag_id=row.source_dag_id, source_task_id=row.source_task_id, source_run_id=row.source_run_id,
            source_map_index=row.source_map_index, timestamp=row.timestamp, partition_key=row.partition_key,
            created_runs=[
                EventRun(dag_id=r.dag_id, run_id=r.run_id, state=r.state, logical_date=r.logical_date,
                         queued_at=r.queued_at, start_date=r.start_date, end_date=r.end_date,
                         data_interval_start=r.data_interval_start, data_interval_end=r.data_interval_end,
                         partition_key=r.partition_key)
                for r in runs.get(row.id, [])
            ],
        )
        for row in rows
    ]


def list_events(ctx: ServiceContext, *, limit: int | None = None, offset: int = 0, order_by: list[str] | None = None,
                **filters: Any) -> Page[AssetEvent]:
    """Events filtered as ``store.asset_pages.query_events`` takes them."""
    with ctx.db.read() as session:
        rows, total = _page(asset_pages.query_events, session, order_by=order_by or ["timestamp"], limit=limit,
                            offset=offset, **filters)
        return Page(_events(session, rows), total)


def events_of_run(ctx: ServiceContext, dag_run_id: int) -> Page[AssetEvent]:
    """The events that triggered a run (by its row id), oldest first."""
    with ctx.db.read() as session:
        ids = asset_pages.event_ids_of_run(session, dag_run_id)
        rows, total = asset_pages.query_events(session, event_ids=ids)
        return Page(_events(session, rows), total)


def create_event(ctx: ServiceContext, asset_id: int, *, extra: dict[str, Any] | None = None,
                 partition_key: str | None = None) -> AssetEvent:
    """Record an event of the asset, as if a task had produced it: the DAGs scheduled on it get it
    queued, and a running scheduler is woken to create their runs."""
    with ctx.db.write() as session:
        rows, _ = asset_pages.query_assets(session, asset_ids=[asset_id])
        if not rows:
            raise NotFound(f"Asset {asset_id} does not exist (GET /api/v2/assets lists them)")
        asset = rows[0]
        event = {"asset": {"name": asset.name, "uri": asset.uri, "group": asset.group, "extra": asset.extra},
                 "extra": {**(extra or {}), "from_rest_api": True}, "partition_key": partition_key}
        (event_id,) = asset_store.record_events(session, [event], (None, None, None, -1), utcnow())
    ctx.notify("asset_event")
    with ctx.db.read() as session:
        found, _ = asset_pages.query_events(session, event_ids=[event_id])
        return _events(session, found)[0]


def queued_events(ctx: ServiceContext, *, asset_id: int | None = None, dag_id: str | None = None,
                  before: datetime | None = None) -> list[QueuedEvent]:
    """Events not yet consumed by the DAGs scheduled on their asset; NotFound when there are none."""
    with ctx.db.read() as session:
        rows = asset_pages.queued_events(session, asset_id=asset_id, dag_id=dag_id, before=before)
    if not rows:
        raise NotFound(_no_queue(asset_id, dag_id))
    return [QueuedEvent(r.target_dag_id, r.asset_id, r.created_at, r.dag_display_name or r.target_dag_id)
            for r in rows]


def delete_queued_events(ctx: ServiceContext, *, asset_id: int | None = None, dag_id: str | None = None,
                         before: datetime | None = None) -> int:
    with ctx.db.write() as session:
        removed = asset_pages.delete_queued(session, asset_id=asset_id, dag_id=dag_id, before=before)
    if not removed:
        raise NotFound(_no_queue(asset_id, dag_id))
    return removed


def _no_queue(asset_id: int | None, dag_id: str | None) -> str:
    what = " and ".join(part for part in (f"asset {asset_id}" if asset_id is not None else "",
                                           f"DAG {dag_id!r}" if dag_id is not None else "") if part)
    return f"No queued asset event for {what}"


def materializing_dag(ctx: ServiceContext, asset_id: int) -> str:
    """The one active DAG that produces the asset (a task lists it in its outlets)."""
    with ctx.db.read() as session:
        if not asset_pages.query_assets(session, asset_ids=[asset_id])[0]:
            raise NotFound(f"Asset {asset_id} does not exist (GET /api/v2/assets lists them)")
        dags = asset_pages.producing_dags(session, asset_id)
    if not dags:
        raise NotFound(f"No DAG materializes asset {asset_id}: no task lists it in its outlets")
    if len(dags) > 1:
        raise Conflict(f"More than one DAG materializes asset {asset_id} ({', '.join(dags)}, ...): trigger the one "
                       "you mean with POST /api/v2/dags/{dag_id}/dagRuns or `slipstream dags trigger DAG_ID`")
    return dags[0]


# -- what `slipstream assets list | events` show ------------------------------------------------


def overview(ctx: ServiceContext) -> list[dict[str, Any]]:
    """Every asset with the DAGs scheduled on it, the tasks that produce it and its latest event."""
    with ctx.db.read() as session:
        return asset_listings.list_assets(session)


def recent_events(ctx: ServiceContext, *, asset: str | None = None, limit: int = 25) -> list[dict[str, Any]]:
    """The latest events, newest first; ``asset`` (a name or a uri) keeps that asset's only."""
    with ctx.db.read() as session:
        if asset is not None and not asset_listings.asset_exists(session, asset):
            raise NotFound(f"No asset is named {asset!r} or has that URI (see `slipstream assets list`)")
        return asset_listings.recent_events(session, asset=asset, limit=limit)


# -- an asset or alias named as the CLI names it ------------------------------------------------


def find_asset(ctx: ServiceContext, *, name: str | None = None, uri: str | None = None) -> Asset:
    """The asset with this name (or this URI); a miss names the closest one."""
    from slipstream.store.suggestions import did_you_mean

    every = list_assets(ctx).items
    found = [a for a in every if (name is None or a.name == name) and (uri is None or a.uri == uri)]
    if found:
        return found[0]
    given, known = (name, [a.name for a in every]) if name is not None else (uri or "", [a.uri for a in every])
    what = f"named {name!r}" if name is not None else f"with URI {uri!r}"
    hint = did_you_mean(given, known) or " See `slipstream assets list`."
    raise NotFound(f"No asset {what}.{hint}")


def find_alias(ctx: ServiceContext, name: str) -> Alias:
    from slipstream.store.suggestions import did_you_mean

    every = list_aliases(ctx).items
    for alias in every:
        if alias.name == name:
            return alias
    hint = did_you_mean(name, [a.name for a in every]) or " See `slipstream assets list --alias`."
    raise NotFound(f"No asset alias named {name!r}.{hint}")
