"""``/api/v2/dags``: list, get, details, pause/unpause (one or many) and delete DAGs."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict

from slipstream.api.listing import Limit, Offset, date_range
from slipstream.api.security import OPERATE, READ, service_context
from slipstream.services import dags
from slipstream.services.dags import BUNDLE_NAME, Dag, DagDetails
from slipstream.services.errors import InvalidRequest, Unsupported
from slipstream.services.paging import Page
from slipstream.store.dag_listing import DagFilter
from slipstream.store.patterns import Range

router = APIRouter(prefix="/api/v2", tags=["DAG"])

RunState = Literal["queued", "running", "success", "failed"]
ORDER_HELP = ("Fields to order by, several allowed; prefix with `-` for descending. One of: "
              + ", ".join(dags.DAG_ORDER_FIELDS))
PATTERN_HELP = ("Case-insensitive substring match (SQL `ILIKE`, `%` and `_` are wildcards); `|` separates "
                "alternatives, `~` matches all.")
PREFIX_HELP = "Case-sensitive match of the start; `|` separates alternatives, `~` matches all."


class DagTagResponse(BaseModel):
    name: str
    dag_id: str
    dag_display_name: str


class DAGResponse(BaseModel):
    dag_id: str
    dag_display_name: str
    is_paused: bool
    is_stale: bool
    last_parsed_time: datetime | None
    last_parse_duration: float | None
    last_expired: datetime | None
    bundle_name: str | None
    bundle_version: str | None
    relative_fileloc: str | None
    fileloc: str
    description: str | None
    timetable_summary: str | None
    timetable_description: str | None
    timetable_partitioned: bool
    timetable_periodic: bool
    tags: list[DagTagResponse]
    max_active_tasks: int
    max_active_runs: int | None
    max_consecutive_failed_dag_runs: int
    has_task_concurrency_limits: bool
    has_import_errors: bool
    next_dagrun_logical_date: datetime | None
    next_dagrun_data_interval_start: datetime | None
    next_dagrun_data_interval_end: datetime | None
    next_dagrun_run_after: datetime | None
    allowed_run_types: list[str] | None
    owners: list[str]
    is_backfillable: bool
    file_token: str


class DagVersionResponse(BaseModel):
    id: str
    version_number: int
    dag_id: str
    bundle_name: str | None
    bundle_version: str | None
    created_at: datetime
    dag_display_name: str
    bundle_url: str | None


class DAGDetailsResponse(DAGResponse):
    catchup: bool
    dag_run_timeout: timedelta | None
    asset_expression: dict[str, Any] | None
    doc_md: str | None
    start_date: datetime | None
    end_date: datetime | None
    is_paused_upon_creation: bool | None
    params: dict[str, Any] | None
    render_template_as_native_obj: bool
    template_search_path: list[str] | None
    timezone: str | None
    last_parsed: datetime | None
    default_args: dict[str, Any] | None
    rerun_with_latest_version: bool | None = None
    owner_links: dict[str, str] | None = None
    is_favorite: bool = False
    active_runs_count: int = 0
    concurrency: int
    latest_dag_version: DagVersionResponse | None


class DAGCollectionResponse(BaseModel):
    dags: list[DAGResponse]
    total_entries: int


class DAGPatchBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    is_paused: bool


def _fields(dag: Dag, max_consecutive_failed_dag_runs: int = 0) -> dict[str, Any]:
    return {
        "dag_id": dag.dag_id, "dag_display_name": dag.dag_display_name, "is_paused": dag.is_paused,
        "is_stale": dag.is_stale, "last_parsed_time": dag.last_parsed_time, "last_parse_duration": None,
        "last_expired": None, "bundle_name": BUNDLE_NAME, "bundle_version": None,
        "relative_fileloc": dag.relative_fileloc, "fileloc": dag.fileloc, "description": dag.description,
        "timetable_summary": dag.timetable.summary, "timetable_description": dag.timetable.description,
        "timetable_partitioned": dag.timetable.partitioned, "timetable_periodic": dag.timetable.periodic,
        "tags": [DagTagResponse(name=tag, dag_id=dag.dag_id, dag_display_name=dag.dag_display_name) for tag in dag.tags],
        "max_active_tasks": dag.max_active_tasks, "max_active_runs": dag.max_active_runs,
        "max_consecutive_failed_dag_runs": max_consecutive_failed_dag_runs,
        "has_task_concurrency_limits": dag.has_task_concurrency_limits, "has_import_errors": dag.has_import_errors,
        "next_dagrun_logical_date": dag.next_dagrun,
        "next_dagrun_data_interval_start": dag.next_dagrun_data_interval_start,
        "next_dagrun_data_interval_end": dag.next_dagrun_data_interval_end,
        "next_dagrun_run_after": dag.next_dagrun_create_after, "allowed_run_types": None, "owners": dag.owners,
        "is_backfillable": dag.timetable.periodic, "file_token": dag.file_token,
    }


def dag_response(dag: Dag) -> DAGResponse:
    return DAGResponse(**_fields(dag))


def details_response(details: DagDetails) -> DAGDetailsResponse:
    dag = details.dag
    return DAGDetailsResponse(
        **_fields(dag, details.max_consecutive_failed_dag_runs),
        catchup=details.catchup, dag_run_timeout=details.dagrun_timeout, asset_expression=details.asset_expression,
        doc_md=details.doc_md, start_date=details.start_date, end_date=details.end_date,
        is_paused_upon_creation=details.is_paused_upon_creation, params=details.params,
        render_template_as_native_obj=details.render_template_as_native_obj,
        template_search_path=details.template_searchpath, timezone=details.timezone,
        last_parsed=dag.last_parsed_time, default_args=details.default_args, owner_links=details.owner_links,
        active_runs_count=details.active_runs_count, concurrency=dag.max_active_tasks, latest_dag_version=None,
    )


def _collection(page: Page[Dag]) -> DAGCollectionResponse:
    return DAGCollectionResponse(dags=[dag_response(dag) for dag in page.items], total_entries=page.total_entries)


def _nothing_when(*conditions: bool) -> list[str] | None:
    """A dag_ids filter that keeps nothing when a condition holds (a bundle or a favorite asked for)."""
    return [] if any(conditions) else None


def dag_filter(
    tags: list[str] = Query(default=[]),
    tags_match_mode: Literal["any", "all"] | None = None,
    owners: list[str] = Query(default=[]),
    dag_id_pattern: str | None = Query(None, description=PATTERN_HELP),
    dag_id_prefix_pattern: str | None = Query(None, description=PREFIX_HELP),
    dag_display_name_pattern: str | None = Query(None, description=PATTERN_HELP),
    dag_display_name_prefix_pattern: str | None = Query(None, description=PREFIX_HELP),
    exclude_stale: bool = True,
    paused: bool | None = None,
    has_import_errors: bool | None = None,
    last_dag_run_state: RunState | None = None,
    bundle_name: str | None = None,
    bundle_version: str | None = None,
    has_asset_schedule: bool | None = None,
    asset_dependency: str | None = None,
    dag_run_start_date_gte: datetime | None = None,
    dag_run_start_date_gt: datetime | None = None,
    dag_run_start_date_lte: datetime | None = None,
    dag_run_start_date_lt: datetime | None = None,
    dag_run_end_date_gte: datetime | None = None,
    dag_run_end_date_gt: datetime | None = None,
    dag_run_end_date_lte: datetime | None = None,
    dag_run_end_date_lt: datetime | None = None,
    dag_run_state: list[str] = Query(default=[]),
    is_favorite: bool | None = None,
    timetable_type: list[str] = Query(default=[]),
) -> DagFilter:
    start = date_range(dag_run_start_date_gte, dag_run_start_date_gt, dag_run_start_date_lte, dag_run_start_date_lt)
    end = date_range(dag_run_end_date_gte, dag_run_end_date_gt, dag_run_end_date_lte, dag_run_end_date_lt)
    return DagFilter(
        dag_ids=_nothing_when(bundle_name not in (None, BUNDLE_NAME), bundle_version is not None, is_favorite is True),
        dag_id_pattern=dag_id_pattern, dag_id_prefix_pattern=dag_id_prefix_pattern,
        dag_display_name_pattern=dag_display_name_pattern,
        dag_display_name_prefix_pattern=dag_display_name_prefix_pattern,
        tags=tuple(tags), all_tags=tags_match_mode == "all", owners=tuple(owners), exclude_stale=exclude_stale,
        paused=paused, has_import_errors=has_import_errors, has_asset_schedule=has_asset_schedule,
        asset_dependency=asset_dependency, last_run_state=last_dag_run_state, last_run_states=tuple(dag_run_state),
        run_start=start if start != Range() else None, run_end=end if end != Range() else None,
        timetable_kinds=dags.timetable_kinds(timetable_type) if timetable_type else None,
    )


@router.get("/dags", dependencies=[READ])
def get_dags(
    request: Request,
    where: DagFilter = Depends(dag_filter),
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: list[str] = Query(default=["dag_id"], description=ORDER_HELP),
) -> DAGCollectionResponse:
    """DAGs, filtered, ordered and paged; by default only those whose file still defines them."""
    page = dags.list_dags(service_context(request), where, order_by, limit=limit, offset=offset)
    return _collection(page)


def _check_mask(update_mask: list[str] | None) -> None:
    if update_mask and update_mask != ["is_paused"]:
        raise InvalidRequest(f"Only 'is_paused' can be updated through the REST API, not {', '.join(update_mask)}")


@router.patch("/dags", dependencies=[OPERATE])
def patch_dags(
    request: Request,
    body: DAGPatchBody,
    update_mask: list[str] | None = Query(None),
    limit: Limit = 50,
    offset: Offset = 0,
    tags: list[str] = Query(default=[]),
    tags_match_mode: Literal["any", "all"] | None = None,
    owners: list[str] = Query(default=[]),
    dag_id_pattern: str | None = Query(None, description=PATTERN_HELP),
    dag_id_prefix_pattern: str | None = Query(None, description=PREFIX_HELP),
    exclude_stale: bool = True,
    paused: bool | None = None,
) -> DAGCollectionResponse:
    """Pause or unpause every DAG the filters keep. Without `dag_id_pattern` or
    `dag_id_prefix_pattern` no DAG is kept; pass `~` to change them all."""
    _check_mask(update_mask)
    where = DagFilter(
        dag_id_pattern=dag_id_pattern, dag_id_prefix_pattern=dag_id_prefix_pattern, tags=tuple(tags),
        all_tags=tags_match_mode == "all", owners=tuple(owners), exclude_stale=exclude_stale, paused=paused,
    )
    page = dags.set_paused_matching(service_context(request), where, body.is_paused, limit=limit, offset=offset)
    return _collection(page)


@router.get("/dags/{dag_id}", dependencies=[READ])
def get_dag(request: Request, dag_id: str) -> DAGResponse:
    return dag_response(dags.get_dag(service_context(request), dag_id))


@router.get("/dags/{dag_id}/details", dependencies=[READ])
def get_dag_details(request: Request, dag_id: str) -> DAGDetailsResponse:
    """The DAG with its arguments as its serialized form records them (params, doc_md, dates...)."""
    return details_response(dags.get_dag_details(service_context(request), dag_id))


@router.patch("/dags/{dag_id}", dependencies=[OPERATE])
def patch_dag(
    request: Request, dag_id: str, body: DAGPatchBody, update_mask: list[str] | None = Query(None)
) -> DAGResponse:
    """Pause or unpause the DAG; unpausing wakes the scheduler."""
    _check_mask(update_mask)
    return dag_response(dags.set_paused(service_context(request), dag_id, body.is_paused))


@router.delete("/dags/{dag_id}", dependencies=[OPERATE], status_code=204, response_class=Response)
def delete_dag(request: Request, dag_id: str) -> Response:
    """Delete the DAG's records (runs, task instances, XComs, log records...); 409 while one of
    its task instances runs. Its file is left alone: if it still defines the DAG, the next parse
    records it again."""
    dags.delete_dag(service_context(request), dag_id)
    return Response(status_code=204)


def _no_favorites(request: Request, dag_id: str) -> None:
    dags.get_dag(service_context(request), dag_id)
    raise Unsupported("Favorite DAGs: Slipstream does not keep per-user favorites")


@router.post("/dags/{dag_id}/favorite", dependencies=[READ], status_code=204)
def favorite_dag(request: Request, dag_id: str) -> None:
    _no_favorites(request, dag_id)


@router.post("/dags/{dag_id}/unfavorite", dependencies=[READ], status_code=204)
def unfavorite_dag(request: Request, dag_id: str) -> None:
    _no_favorites(request, dag_id)


def _no_versions(request: Request, dag_id: str) -> None:
    if dag_id != "~":
        dags.get_dag(service_context(request), dag_id)
    raise Unsupported("DAG versions: Slipstream keeps only the current serialized form of each DAG, not its "
                      "versions")


@router.get("/dags/{dag_id}/dagVersions", tags=["DagVersion"], dependencies=[READ])
def get_dag_versions(
    request: Request, dag_id: str, limit: Limit = 50, offset: Offset = 0,
    version_number: int | None = None, bundle_name: str | None = None, bundle_version: str | None = None,
    order_by: list[str] = Query(default=["id"]),
) -> None:
    _no_versions(request, dag_id)


@router.get("/dags/{dag_id}/dagVersions/{version_number}", tags=["DagVersion"], dependencies=[READ])
def get_dag_version(request: Request, dag_id: str, version_number: int) -> None:
    _no_versions(request, dag_id)
