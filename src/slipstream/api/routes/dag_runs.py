"""``/api/v2/dags/{dag_id}/dagRuns``: list (``~`` for every DAG, also as a POST with a body), get,
trigger, patch state and note, clear, delete, wait for the end of a run, and the asset events
that triggered it. Task instances of a run are served by ``task_instances``."""

from __future__ import annotations

import asyncio
import enum
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from slipstream.api.listing import MAX_ROW_ID, DateRangeFilters, Limit, Offset, date_range, utc
from slipstream.api.routes import assets
from slipstream.api.security import OPERATE, READ, service_context
from slipstream.api.task_instance_models import TaskInstanceCollectionResponse, TaskInstanceResponse
from slipstream.services import dag_runs, run_actions
from slipstream.services.context import ServiceContext
from slipstream.services.dag_runs import DagRun, Range, RunFilter
from slipstream.services.errors import InvalidRequest

router = APIRouter(prefix="/api/v2/dags/{dag_id}/dagRuns", tags=["DagRun"])

Ctx = Annotated[ServiceContext, Depends(service_context)]
MAX_WAIT_INTERVAL = 60.0  # /wait looks at least this often, whatever interval it is given


class DagRunState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCESS = "success"
    FAILED = "failed"


class DagRunMutableStates(enum.StrEnum):
    QUEUED = "queued"
    SUCCESS = "success"
    FAILED = "failed"


class DagRunType(enum.StrEnum):
    BACKFILL = "backfill"
    SCHEDULED = "scheduled"
    MANUAL = "manual"
    OPERATOR_TRIGGERED = "operator_triggered"
    ASSET_TRIGGERED = "asset_triggered"
    ASSET_MATERIALIZATION = "asset_materialization"


class DagVersionResponse(BaseModel):
    id: str
    version_number: int
    dag_id: str
    bundle_name: str | None
    bundle_version: str | None
    created_at: datetime
    dag_display_name: str
    bundle_url: str | None


class DAGRunResponse(BaseModel):
    dag_run_id: str
    dag_id: str
    logical_date: datetime | None
    queued_at: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    duration: float | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    run_after: datetime
    last_scheduling_decision: datetime | None
    run_type: str
    state: str
    triggered_by: str | None
    triggering_user_name: str | None
    conf: dict[str, Any] | None
    note: str | None
    dag_versions: list[DagVersionResponse]
    bundle_version: str | None
    dag_display_name: str
    partition_key: str | None
    partition_date: datetime | None


class DAGRunCollectionResponse(BaseModel):
    dag_runs: list[DAGRunResponse]
    total_entries: int | None
    total_entries_limit: int | None = None
    next_cursor: str | None = None
    previous_cursor: str | None = None


def dag_run_response(run: DagRun) -> DAGRunResponse:
    """Slipstream records no DAG versions, bundles, scheduling decisions nor who triggered a
    run: those fields are empty."""
    return DAGRunResponse(
        dag_run_id=run.run_id, dag_id=run.dag_id, logical_date=run.logical_date, queued_at=run.queued_at,
        start_date=run.start_date, end_date=run.end_date, duration=run.duration,
        data_interval_start=run.data_interval_start, data_interval_end=run.data_interval_end, run_after=run.run_after,
        last_scheduling_decision=None, run_type=run.run_type, state=run.state, triggered_by=None,
        triggering_user_name=None, conf=run.conf, note=run.note, dag_versions=[], bundle_version=None,
        dag_display_name=run.dag_display_name, partition_key=run.partition_key, partition_date=run.partition_date,
    )


def _known(values: list[str], allowed: type[enum.StrEnum], name: str) -> list[str]:
    bad = [v for v in values if v not in {m.value for m in allowed}]
    if bad:
        raise InvalidRequest(f"Invalid value for {name}: {', '.join(bad)}; use {', '.join(m.value for m in allowed)}")
    return values


Date = Annotated[datetime | None, Query()]
Number = Annotated[float | None, Query()]
Text = Annotated[str | None, Query()]


def _unsupported(**given: Any) -> None:
    reasons = {
        "updated_at": "Slipstream does not record when a run was last updated",
        "dag_version": "Slipstream keeps no DAG versions",
        "bundle_version": "Slipstream has no DAG bundles",
        "triggering_user_name": "Slipstream does not record who triggered a run",
        "consuming_asset_pattern": "filtering runs by the assets they consume is not implemented",
        "partition_date": "filtering by partition_date is not implemented",
        "cursor": "cursor pagination is not supported: use limit and offset",
    }
    for name, value in given.items():
        if value not in (None, [], ""):
            key = next(k for k in reasons if name.startswith(k))
            raise InvalidRequest(f"Query parameter {name} is not supported: {reasons[key]}")


def run_filter(
    logical_date_gte: Date = None, logical_date_gt: Date = None, logical_date_lte: Date = None,
    logical_date_lt: Date = None, run_after_gte: Date = None, run_after_gt: Date = None, run_after_lte: Date = None,
    run_after_lt: Date = None, start_date_gte: Date = None, start_date_gt: Date = None, start_date_lte: Date = None,
    start_date_lt: Date = None, end_date_gte: Date = None, end_date_gt: Date = None, end_date_lte: Date = None,
    end_date_lt: Date = None, duration_gte: Number = None, duration_gt: Number = None, duration_lte: Number = None,
    duration_lt: Number = None, updated_at_gte: Date = None, updated_at_gt: Date = None, updated_at_lte: Date = None,
    updated_at_lt: Date = None, conf_contains: Text = None, run_type: Annotated[list[str], Query()] = [],  # noqa: B006
    state: Annotated[list[str], Query()] = [],  # noqa: B006
    dag_version: Annotated[list[int], Query()] = [],  # noqa: B006
    bundle_version: Text = None, run_id_pattern: Text = None, run_id_prefix_pattern: Text = None,
    triggering_user_name_pattern: Text = None, triggering_user_name_prefix_pattern: Text = None,
    dag_id_pattern: Text = None, dag_id_prefix_pattern: Text = None, partition_key_pattern: Text = None,
    partition_key_prefix_pattern: Text = None, consuming_asset_pattern: Text = None,
    partition_date_gte: Annotated[str | None, Query()] = None, partition_date_lte: Annotated[str | None, Query()] = None,
    cursor: Text = None,
) -> RunFilter:
    _unsupported(
        updated_at_gte=updated_at_gte, updated_at_gt=updated_at_gt, updated_at_lte=updated_at_lte,
        updated_at_lt=updated_at_lt, dag_version=dag_version, bundle_version=bundle_version,
        triggering_user_name_pattern=triggering_user_name_pattern,
        triggering_user_name_prefix_pattern=triggering_user_name_prefix_pattern,
        consuming_asset_pattern=consuming_asset_pattern, partition_date_gte=partition_date_gte,
        partition_date_lte=partition_date_lte, cursor=cursor,
    )
    return RunFilter(
        states=_known(state, DagRunState, "state") or None, run_types=_known(run_type, DagRunType, "run_type") or None,
        logical_date=date_range(logical_date_gte, logical_date_gt, logical_date_lte, logical_date_lt),
        run_after=date_range(run_after_gte, run_after_gt, run_after_lte, run_after_lt),
        start_date=date_range(start_date_gte, start_date_gt, start_date_lte, start_date_lt),
        end_date=date_range(end_date_gte, end_date_gt, end_date_lte, end_date_lt),
        duration=Range(duration_gte, duration_gt, duration_lte, duration_lt), conf_contains=conf_contains,
        run_id_pattern=run_id_pattern, run_id_prefix=run_id_prefix_pattern, dag_id_pattern=dag_id_pattern,
        dag_id_prefix=dag_id_prefix_pattern, partition_key_pattern=partition_key_pattern,
        partition_key_prefix=partition_key_prefix_pattern,
    )


def _collection(page: Any) -> DAGRunCollectionResponse:
    return DAGRunCollectionResponse(dag_runs=[dag_run_response(r) for r in page.items], total_entries=page.total_entries)


@router.get("", dependencies=[READ])
def get_dag_runs(
    dag_id: str, ctx: Ctx, where: Annotated[RunFilter, Depends(run_filter)],
    limit: Limit = 50, offset: Offset = 0,
    order_by: Annotated[list[str], Query()] = ["id"],  # noqa: B006
) -> DAGRunCollectionResponse:
    """The runs of a DAG, or of every DAG with ``~`` as dag_id."""
    return _collection(dag_runs.list_runs(ctx, dag_id, where, order_by=order_by, limit=limit, offset=offset))


class DAGRunsBatchBody(DateRangeFilters):
    order_by: str | None = None
    page_offset: int = Field(default=0, ge=0, le=MAX_ROW_ID)
    page_limit: int = Field(default=100, ge=0, le=MAX_ROW_ID)
    dag_ids: list[str] | None = None
    states: list[DagRunState | None] | None = None
    conf_contains: str | None = None


@router.post("/list", dependencies=[READ])
def get_list_dag_runs_batch(dag_id: Literal["~"], body: DAGRunsBatchBody, ctx: Ctx) -> DAGRunCollectionResponse:
    """Runs of several DAGs, filtered by a body rather than query parameters."""
    b = body
    where = RunFilter(
        dag_ids=b.dag_ids, states=[s.value for s in b.states if s is not None] if b.states else None,
        logical_date=date_range(b.logical_date_gte, b.logical_date_gt, b.logical_date_lte, b.logical_date_lt),
        run_after=date_range(b.run_after_gte, b.run_after_gt, b.run_after_lte, b.run_after_lt),
        start_date=date_range(b.start_date_gte, b.start_date_gt, b.start_date_lte, b.start_date_lt),
        end_date=date_range(b.end_date_gte, b.end_date_gt, b.end_date_lte, b.end_date_lt),
        duration=Range(b.duration_gte, b.duration_gt, b.duration_lte, b.duration_lt), conf_contains=b.conf_contains,
    )
    order = [b.order_by] if b.order_by else ["id"]
    return _collection(dag_runs.list_runs(ctx, dag_runs.ALL_DAGS, where, order_by=order, limit=b.page_limit,
                                          offset=b.page_offset))


@router.get("/{dag_run_id}", dependencies=[READ])
def get_dag_run(dag_id: str, dag_run_id: str, ctx: Ctx) -> DAGRunResponse:
    return dag_run_response(dag_runs.get_run(ctx, dag_id, dag_run_id))


class TriggerDAGRunPostBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dag_run_id: str | None = None
    data_interval_start: datetime | None = None
    data_interval_end: datetime | None = None
    logical_date: datetime | None
    run_after: datetime | None = None
    conf: dict[str, Any] | None = None
    note: str | None = None
    partition_key: str | None = None


@router.post("", dependencies=[OPERATE])
def trigger_dag_run(dag_id: str, body: TriggerDAGRunPostBody, ctx: Ctx) -> DAGRunResponse:
    """Queue a manual run; its params are checked against ``conf`` (400 with the param's message).
    Without a logical date the run gets ``run_after`` (default: now) as its logical date."""
    run = run_actions.trigger_run(
        ctx, dag_id, run_id=body.dag_run_id, logical_date=utc(body.logical_date), run_after=utc(body.run_after),
        data_interval=(utc(body.data_interval_start), utc(body.data_interval_end)), conf=body.conf,
        note=body.note, partition_key=body.partition_key,
    )
    return dag_run_response(run)


class DAGRunPatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    state: DagRunMutableStates | None = None
    note: str | None = Field(default=None, max_length=1000)


@router.patch("/{dag_run_id}", dependencies=[OPERATE])
def patch_dag_run(
    dag_id: str, dag_run_id: str, body: DAGRunPatchBody, ctx: Ctx,
    update_mask: Annotated[list[str] | None, Query()] = None,
) -> DAGRunResponse:
    """Mark the run success, failed or queued (its unfinished task instances with it, as Airflow
    does) and/or set its note. Only the fields given in the body, or named in ``update_mask``."""
    fields = set(body.model_fields_set)
    if update_mask:
        unknown = set(update_mask) - {"state", "note"}
        if unknown:
            raise InvalidRequest(f"update_mask names fields a DAG run patch cannot change: {', '.join(sorted(unknown))}"
                                 "; use state and/or note")
        fields &= set(update_mask)
    state = body.state.value if "state" in fields and body.state is not None else None
    note = body.note if "note" in fields else run_actions.UNSET
    return dag_run_response(run_actions.update_run(ctx, dag_id, dag_run_id, state=state, note=note).run)


class DAGRunClearBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    dry_run: bool = True
    only_failed: bool = False
    only_new: bool = False
    run_on_latest_version: bool | None = None
    note: str | None = Field(default=None, max_length=1000)


@router.post("/{dag_run_id}/clear", dependencies=[OPERATE])
def clear_dag_run(
    dag_id: str, dag_run_id: str, body: DAGRunClearBody, ctx: Ctx,
) -> TaskInstanceCollectionResponse | DAGRunResponse:
    """Clear the run's task instances so they run again. With ``dry_run`` (the default) nothing
    changes and the answer lists the task instances that would be cleared; otherwise the answer
    is the run. Slipstream always runs the latest parsed DAG, so ``run_on_latest_version`` changes
    nothing."""
    note = body.note if "note" in body.model_fields_set else run_actions.UNSET
    result = run_actions.clear_run(ctx, dag_id, dag_run_id, only_failed=body.only_failed, dry_run=body.dry_run,
                                   only_new=body.only_new, note=note)
    if body.dry_run:
        tis = [TaskInstanceResponse.of(ti) for ti in result.task_instances]
        return TaskInstanceCollectionResponse(task_instances=tis, total_entries=len(tis))
    return dag_run_response(result.run)


@router.delete("/{dag_run_id}", dependencies=[OPERATE], status_code=204)
def delete_dag_run(dag_id: str, dag_run_id: str, ctx: Ctx) -> Response:
    """Delete a run that is not running, with its task instances, XComs and log records."""
    run_actions.delete_run(ctx, dag_id, dag_run_id)
    return Response(status_code=204)


async def _states(ctx: ServiceContext, run: DagRun, interval: float, results: list[str]) -> AsyncIterator[str]:
    while True:
        line: dict[str, Any] = {"state": run.state}
        if run.finished and results:
            values = await asyncio.to_thread(dag_runs.run_results, ctx, run, results)
            if values:
                line["results"] = values
        yield json.dumps(line, default=str) + "\n"
        if run.finished:
            return
        await asyncio.sleep(min(interval, MAX_WAIT_INTERVAL))
        run = await asyncio.to_thread(dag_runs.get_run, ctx, run.dag_id, run.run_id)


@router.get("/{dag_run_id}/wait", dependencies=[READ], tags=["experimental"],
            responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}})
def wait_dag_run_until_finished(
    dag_id: str, dag_run_id: str, ctx: Ctx,
    interval: Annotated[float, Query(gt=0.0, description="Seconds between two looks at the run's state")],
    result: Annotated[list[str] | None, Query(description="Tasks whose returned value (XCom) to add once the run "
                                                          "ends; may be repeated")] = None,
) -> StreamingResponse:
    """Stream the run's state as one JSON line per look (NDJSON) until the run ends; the last line
    carries ``results`` of the tasks named by ``result``. Slipstream has no DAG-level result
    tasks, so without ``result`` no results are given."""
    run = dag_runs.get_run(ctx, dag_id, dag_run_id)
    return StreamingResponse(_states(ctx, run, interval, result or []), media_type="application/x-ndjson")


@router.get("/{dag_run_id}/upstreamAssetEvents", dependencies=[READ])
def get_upstream_asset_events(dag_id: str, dag_run_id: str, ctx: Ctx) -> assets.AssetEventCollectionResponse:
    """The asset events that triggered an asset-triggered run (an empty list for other runs)."""
    run = dag_runs.get_run(ctx, dag_id, dag_run_id)
    return assets.events_of_run(ctx, run.id)
