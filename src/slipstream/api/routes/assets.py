"""``/api/v2/assets``: assets, aliases, events (listed, and created by hand to schedule the DAGs
that consume the asset), queued events, and materializing an asset by triggering its producer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request, Response
from pydantic import BaseModel, Field

from slipstream.api.listing import MAX_ROW_ID, Limit, Offset, PathId, StrictBody
from slipstream.api.listing import order_by_query as _order_by
from slipstream.api.security import OPERATE, READ, service_context
from slipstream.services import assets
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, Unsupported

router = APIRouter(prefix="/api/v2", tags=["Asset"])


class DagScheduleAssetReference(BaseModel):
    dag_id: str
    created_at: datetime
    updated_at: datetime


class TaskOutletAssetReference(BaseModel):
    dag_id: str
    task_id: str
    created_at: datetime
    updated_at: datetime


class TaskInletAssetReference(BaseModel):
    dag_id: str
    task_id: str
    created_at: datetime
    updated_at: datetime


class AssetAliasResponse(BaseModel):
    id: int
    name: str
    group: str


class AssetWatcherResponse(BaseModel):
    name: str
    trigger_id: int
    created_date: datetime


class LastAssetEventResponse(BaseModel):
    id: int | None = None
    timestamp: datetime | None = None


class AssetResponse(BaseModel):
    id: int
    name: str
    uri: str
    group: str
    extra: dict[str, Any] | None = None
    created_at: datetime
    updated_at: datetime
    scheduled_dags: list[DagScheduleAssetReference]
    producing_tasks: list[TaskOutletAssetReference]
    consuming_tasks: list[TaskInletAssetReference]
    aliases: list[AssetAliasResponse]
    watchers: list[AssetWatcherResponse]
    last_asset_event: LastAssetEventResponse | None = None


class AssetCollectionResponse(BaseModel):
    assets: list[AssetResponse]
    total_entries: int


class AssetAliasCollectionResponse(BaseModel):
    asset_aliases: list[AssetAliasResponse]
    total_entries: int


class DagRunAssetReference(BaseModel):
    run_id: str
    dag_id: str
    logical_date: datetime | None
    start_date: datetime
    end_date: datetime | None
    state: str
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    partition_key: str | None
    triggering: bool


class AssetEventResponse(BaseModel):
    id: int
    asset_id: int
    uri: str | None = None
    name: str | None = None
    group: str | None = None
    extra: dict[str, Any] | None = None
    source_task_id: str | None = None
    source_dag_id: str | None = None
    source_run_id: str | None = None
    source_map_index: int
    created_dagruns: list[DagRunAssetReference]
    timestamp: datetime
    partition_key: str | None = None


class AssetEventCollectionResponse(BaseModel):
    asset_events: list[AssetEventResponse]
    total_entries: int


class AssetEventAccessControl(StrictBody):
    consumer_teams: list[str] | None = None
    allow_global: bool = True


class CreateAssetEventsBody(StrictBody):
    asset_id: int = Field(le=MAX_ROW_ID)
    partition_key: str | None = Field(default=None, max_length=250, pattern=r"\S")
    extra: dict[str, Any] = Field(default_factory=dict)
    access_control: AssetEventAccessControl | None = None


class QueuedEventResponse(BaseModel):
    dag_id: str
    asset_id: int
    created_at: datetime
    dag_display_name: str


class QueuedEventCollectionResponse(BaseModel):
    queued_events: list[QueuedEventResponse]
    total_entries: int


class MaterializeAssetBody(StrictBody):
    dag_run_id: str | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    logical_date: datetime | None = None
    run_after: datetime | None = None
    conf: dict[str, Any] | None = None
    note: str | None = None
    partition_key: str | None = None


def _asset(asset: assets.Asset) -> AssetResponse:
    last = LastAssetEventResponse(id=asset.last_event[0], timestamp=asset.last_event[1]) if asset.last_event else None
    return AssetResponse(
        id=asset.id, name=asset.name, uri=asset.uri, group=asset.group, extra=asset.extra, created_at=asset.created_at,
        updated_at=asset.created_at,
        scheduled_dags=[DagScheduleAssetReference(dag_id=d, created_at=t, updated_at=t) for d, t in asset.scheduled_dags],
        producing_tasks=[TaskOutletAssetReference(dag_id=d, task_id=t, created_at=asset.created_at,
                                                  updated_at=asset.created_at) for d, t in asset.producing_tasks],
        consuming_tasks=[], aliases=[AssetAliasResponse(id=a.id, name=a.name, group=a.group) for a in asset.aliases],
        watchers=[], last_asset_event=last,
    )


def _event(event: assets.AssetEvent) -> AssetEventResponse:
    return AssetEventResponse(
        id=event.id, asset_id=event.asset_id, uri=event.uri, name=event.name, group=event.group, extra=event.extra,
        source_task_id=event.source_task_id, source_dag_id=event.source_dag_id, source_run_id=event.source_run_id,
        source_map_index=event.source_map_index, timestamp=event.timestamp, partition_key=event.partition_key,
        created_dagruns=[
            DagRunAssetReference(
                run_id=r.run_id, dag_id=r.dag_id, logical_date=r.logical_date,
                start_date=r.start_date or r.queued_at or event.timestamp, end_date=r.end_date, state=r.state,
                data_interval_start=r.data_interval_start, data_interval_end=r.data_interval_end,
                partition_key=r.partition_key, triggering=True,
            )
            for r in event.created_runs
        ],
    )


def events_of_run(ctx: ServiceContext, dag_run_id: int) -> AssetEventCollectionResponse:
    """The events that triggered a run (by its row id): for ``.../dagRuns/{id}/upstreamAssetEvents``."""
    page = assets.events_of_run(ctx, dag_run_id)
    return AssetEventCollectionResponse(asset_events=[_event(e) for e in page.items], total_entries=page.total_entries)


Pattern = Annotated[str | None, Query(description="Case-insensitive substring; `a|b` for either.")]
Prefix = Annotated[str | None, Query(description="Case-sensitive start.")]


@router.get("/assets", dependencies=[READ])
def get_assets(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    name_pattern: Pattern = None,
    name_prefix_pattern: Prefix = None,
    uri_pattern: Pattern = None,
    uri_prefix_pattern: Prefix = None,
    dag_ids: Annotated[list[str], Query(description="Assets these DAGs are scheduled on or produce.")] = [],  # noqa: B006
    only_active: bool = Query(True, description="Accepted; Slipstream reports every asset it knows."),
    order_by: Annotated[list[str], _order_by(list(assets.asset_pages.ASSET_SORT))] = ["id"],  # noqa: B006
) -> AssetCollectionResponse:
    page = assets.list_assets(service_context(request), limit=limit, offset=offset, order_by=order_by,
                              name_pattern=name_pattern, name_prefix=name_prefix_pattern, uri_pattern=uri_pattern,
                              uri_prefix=uri_prefix_pattern, dag_ids=dag_ids)
    return AssetCollectionResponse(assets=[_asset(a) for a in page.items], total_entries=page.total_entries)


@router.get("/assets/aliases", dependencies=[READ])
def get_asset_aliases(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    name_pattern: Pattern = None,
    name_prefix_pattern: Prefix = None,
    order_by: Annotated[list[str], _order_by(list(assets.asset_pages.ALIAS_SORT))] = ["id"],  # noqa: B006
) -> AssetAliasCollectionResponse:
    page = assets.list_aliases(service_context(request), limit=limit, offset=offset, order_by=order_by,
                               name_pattern=name_pattern, name_prefix=name_prefix_pattern)
    return AssetAliasCollectionResponse(asset_aliases=[AssetAliasResponse(id=a.id, name=a.name, group=a.group)
                                                       for a in page.items], total_entries=page.total_entries)


@router.get("/assets/aliases/{asset_alias_id}", dependencies=[READ])
def get_asset_alias(request: Request, asset_alias_id: PathId) -> AssetAliasResponse:
    alias = assets.get_alias(service_context(request), asset_alias_id)
    return AssetAliasResponse(id=alias.id, name=alias.name, group=alias.group)


@router.get("/assets/events", dependencies=[READ])
def get_asset_events(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: Annotated[list[str], _order_by(list(assets.asset_pages.EVENT_SORT))] = ["timestamp"],  # noqa: B006
    asset_id: int | None = Query(None, le=MAX_ROW_ID),
    source_dag_id: str | None = None,
    source_task_id: str | None = None,
    source_run_id: str | None = None,
    source_map_index: int | None = Query(None, ge=-1, le=2**31 - 1),
    name_pattern: Pattern = None,
    name_prefix_pattern: Prefix = None,
    timestamp_gte: datetime | None = None,
    timestamp_gt: datetime | None = None,
    timestamp_lte: datetime | None = None,
    timestamp_lt: datetime | None = None,
) -> AssetEventCollectionResponse:
    page = assets.list_events(
        service_context(request), limit=limit, offset=offset, order_by=order_by, asset_id=asset_id,
        source_dag_id=source_dag_id, source_task_id=source_task_id, source_run_id=source_run_id,
        source_map_index=source_map_index, name_pattern=name_pattern, name_prefix=name_prefix_pattern,
        after=(timestamp_gte, timestamp_gt), before=(timestamp_lte, timestamp_lt),
    )
    return AssetEventCollectionResponse(asset_events=[_event(e) for e in page.items], total_entries=page.total_entries)


@router.post("/assets/events", dependencies=[OPERATE])
def create_asset_event(request: Request, body: CreateAssetEventsBody) -> AssetEventResponse:
    """Record an event of the asset; the DAGs scheduled on it run as after a task's event."""
    if body.access_control is not None and body.access_control.consumer_teams:
        raise InvalidRequest("Slipstream has no teams: leave access_control.consumer_teams out")
    event = assets.create_event(service_context(request), body.asset_id, extra=body.extra,
                                partition_key=body.partition_key)
    return _event(event)


@router.post("/assets/{asset_id}/materialize", dependencies=[OPERATE])
def materialize_asset(request: Request, asset_id: PathId,
                      body: Annotated[MaterializeAssetBody | None, Body()] = None) -> Any:
    """Trigger a run of the one DAG that produces the asset (404 if none, 409 if several)."""
    ctx = service_context(request)
    dag_id = assets.materializing_dag(ctx, asset_id)
    try:
        from slipstream.api.routes.dag_runs import dag_run_response
        from slipstream.services.run_actions import trigger_run
    except ImportError:
        raise Unsupported("Materializing an asset needs triggering DAG runs through the API, which this build "
                          f"lacks: trigger DAG {dag_id!r} with `slipstream dags trigger {dag_id}`") from None
    given = body or MaterializeAssetBody()
    interval = (given.data_interval_start, given.data_interval_end)
    run = trigger_run(ctx, dag_id, run_id=given.dag_run_id, logical_date=given.logical_date,
                      run_after=given.run_after, data_interval=interval, conf=given.conf, note=given.note,
                      partition_key=given.partition_key)
    return dag_run_response(run)


@router.get("/assets/{asset_id}", dependencies=[READ])
def get_asset(request: Request, asset_id: PathId) -> AssetResponse:
    return _asset(assets.get_asset(service_context(request), asset_id))


def _queued(found: list[assets.QueuedEvent]) -> QueuedEventCollectionResponse:
    return QueuedEventCollectionResponse(
        queued_events=[QueuedEventResponse(dag_id=q.dag_id, asset_id=q.asset_id, created_at=q.created_at,
                                           dag_display_name=q.dag_display_name) for q in found],
        total_entries=len(found),
    )


Before = Annotated[datetime | None, Query(description="Only events queued before this time.")]


@router.get("/assets/{asset_id}/queuedEvents", dependencies=[READ])
def get_asset_queued_events(request: Request, asset_id: PathId, before: Before = None) -> QueuedEventCollectionResponse:
    return _queued(assets.queued_events(service_context(request), asset_id=asset_id, before=before))


@router.delete("/assets/{asset_id}/queuedEvents", status_code=204, dependencies=[OPERATE])
def delete_asset_queued_events(request: Request, asset_id: PathId, before: Before = None) -> Response:
    assets.delete_queued_events(service_context(request), asset_id=asset_id, before=before)
    return Response(status_code=204)


@router.get("/dags/{dag_id}/assets/queuedEvents", dependencies=[READ])
def get_dag_asset_queued_events(request: Request, dag_id: str, before: Before = None) -> QueuedEventCollectionResponse:
    return _queued(assets.queued_events(service_context(request), dag_id=dag_id, before=before))


@router.delete("/dags/{dag_id}/assets/queuedEvents", status_code=204, dependencies=[OPERATE])
def delete_dag_asset_queued_events(request: Request, dag_id: str, before: Before = None) -> Response:
    assets.delete_queued_events(service_context(request), dag_id=dag_id, before=before)
    return Response(status_code=204)


@router.get("/dags/{dag_id}/assets/{asset_id}/queuedEvents", dependencies=[READ])
def get_dag_asset_queued_event(request: Request, dag_id: str, asset_id: PathId,
                               before: Before = None) -> QueuedEventResponse:
    found = assets.queued_events(service_context(request), dag_id=dag_id, asset_id=asset_id, before=before)[0]
    return QueuedEventResponse(dag_id=found.dag_id, asset_id=found.asset_id, created_at=found.created_at,
                               dag_display_name=found.dag_display_name)


@router.delete("/dags/{dag_id}/assets/{asset_id}/queuedEvents", status_code=204, dependencies=[OPERATE])
def delete_dag_asset_queued_event(request: Request, dag_id: str, asset_id: PathId, before: Before = None) -> Response:
    assets.delete_queued_events(service_context(request), dag_id=dag_id, asset_id=asset_id, before=before)
    return Response(status_code=204)
