"""Task instances of Airflow 3's ``/api/v2``: list (``~`` for every DAG and run), batch list, get,
mapped instances, tries, dependencies, set state or note (and their dry runs), clear."""

from __future__ import annotations

from dataclasses import replace

from fastapi import APIRouter, Depends, Query, Request

from slipstream.api.listing import Limit, Offset, date_range, utc
from slipstream.api.security import OPERATE, READ, service_context
from slipstream.api.task_instance_filters import (
    BIG,
    MapIndexPath,
    MapIndexQuery,
    TryNumberPath,
    any_id,
    decode_cursor,
    encode_cursor,
    split_task_ids,
    ti_filters,
)
from slipstream.api.task_instance_models import (
    ClearTaskInstancesBody,
    PatchTaskInstanceBody,
    TaskDependencyCollectionResponse,
    TaskDependencyResponse,
    TaskInstanceCollectionResponse,
    TaskInstanceHistoryCollectionResponse,
    TaskInstanceHistoryResponse,
    TaskInstanceResponse,
    TaskInstancesBatchBody,
)
from slipstream.services import clearing, task_dependencies, task_marking, task_tries
from slipstream.services import task_instances as service
from slipstream.services.errors import InvalidRequest, Unsupported
from slipstream.services.paging import Page
from slipstream.store.patterns import Range
from slipstream.store.task_instance_listing import TaskInstanceFilter

router = APIRouter(prefix="/api/v2", tags=["Task Instance"])
TIS = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"
ORDER_DOC = ("Fields to order by, `-` first for descending: id, state, duration, start_date, end_date, map_index, "
             "try_number, logical_date, run_after, data_interval_start, data_interval_end, rendered_map_index, "
             "operator, task_id, dag_id, run_id, pool, queue, priority_weight")


def _collection(page: Page[service.TaskInstance], **extra: object) -> TaskInstanceCollectionResponse:
    return TaskInstanceCollectionResponse(
        task_instances=[TaskInstanceResponse.of(ti) for ti in page.items], total_entries=page.total_entries, **extra
    )


def _patterns(**named: str | None) -> list[tuple[str, str]]:
    return [(column, value) for column, value in named.items() if value]


@router.get(TIS, dependencies=[READ])
def get_task_instances(
    request: Request, dag_id: str, dag_run_id: str,
    spec: TaskInstanceFilter = Depends(ti_filters),
    cursor: str | None = Query(default=None, description="'' for the first page, then next_cursor; offset is then "
                               "ignored"),
    task_id: str | None = None,
    task_display_name_pattern: str | None = Query(default=None, description="Matched against task ids"),
    task_display_name_prefix_pattern: str | None = Query(default=None, description="Matched against task ids"),
    task_group_id: str | None = None,
    dag_id_pattern: str | None = None, dag_id_prefix_pattern: str | None = None,
    run_id_pattern: str | None = None, run_id_prefix_pattern: str | None = None,
    limit: Limit = 50, offset: Offset = 0,
    order_by: list[str] = Query(default=["map_index"], description=ORDER_DOC),
) -> TaskInstanceCollectionResponse:
    """Task instances of a run; `~` as dag_id and dag_run_id lists those of every DAG and run."""
    ctx = service_context(request)
    spec = replace(
        spec, dag_id=any_id(dag_id), run_id=any_id(dag_run_id), task_ids=(task_id,) if task_id else (),
        patterns=[*spec.patterns, *_patterns(task_id=task_display_name_pattern, dag_id=dag_id_pattern,
                                             run_id=run_id_pattern)],
        prefixes=[*spec.prefixes, *_patterns(task_id=task_display_name_prefix_pattern, dag_id=dag_id_prefix_pattern,
                                             run_id=run_id_prefix_pattern)],
    )
    if task_group_id:
        spec = replace(spec, task_ids=service.task_ids_of_group(ctx, spec.dag_id, task_group_id, spec.task_ids))
    if cursor is not None:
        offset = decode_cursor(cursor)
    page = service.list_task_instances(ctx, spec, order_by=order_by, limit=limit, offset=offset)
    if cursor is None:
        return _collection(page)
    more = offset + len(page.items) < page.total_entries
    return _collection(
        page, next_cursor=encode_cursor(offset + len(page.items)) if more else None,
        previous_cursor=encode_cursor(max(0, offset - limit)) if offset > 0 else None,
    )


@router.post(TIS + "/list", dependencies=[READ])
def get_task_instances_batch(
    request: Request, dag_id: str, dag_run_id: str, body: TaskInstancesBatchBody
) -> TaskInstanceCollectionResponse:
    """Task instances of many DAGs and runs, filtered by the body; the path takes `~` for both."""
    if dag_id != "~" or dag_run_id != "~":
        raise InvalidRequest("Use ~ for dag_id and dag_run_id here, and name DAGs and runs in the body's dag_ids "
                             "and dag_run_ids")
    if body.executor:
        raise Unsupported("Filtering task instances by executor is not supported: every task runs on the executor "
                          "of [core] executor")
    spec = TaskInstanceFilter(
        dag_ids=body.dag_ids or (), run_ids=body.dag_run_ids or (), task_ids=body.task_ids or (),
        states=service.store_states(body.state or []), pools=body.pool or (), queues=body.queue or (),
        run_after=date_range(body.run_after_gte, body.run_after_gt, body.run_after_lte, body.run_after_lt),
        logical_date=date_range(body.logical_date_gte, body.logical_date_gt, body.logical_date_lte,
                                body.logical_date_lt),
        start_date=date_range(body.start_date_gte, body.start_date_gt, body.start_date_lte, body.start_date_lt),
        end_date=date_range(body.end_date_gte, body.end_date_gt, body.end_date_lte, body.end_date_lt),
        duration=Range(body.duration_gte, body.duration_gt, body.duration_lte, body.duration_lt),
    )
    page = service.list_task_instances(
        service_context(request), spec, order_by=[body.order_by] if body.order_by else [], limit=body.page_limit,
        offset=body.page_offset, default_order=("id",),
    )
    return _collection(page)


@router.get(TIS + "/{task_id}/listMapped", dependencies=[READ])
def get_mapped_task_instances(
    request: Request, dag_id: str, dag_run_id: str, task_id: str,
    spec: TaskInstanceFilter = Depends(ti_filters),
    limit: Limit = 50, offset: Offset = 0,
    order_by: list[str] = Query(default=["map_index"], description=ORDER_DOC),
) -> TaskInstanceCollectionResponse:
    """A page of the instances of a mapped task, by map index unless ordered otherwise."""
    page = service.list_mapped(service_context(request), dag_id, dag_run_id, task_id, spec, order_by=order_by,
                               limit=limit, offset=offset)
    return _collection(page)


@router.get(TIS + "/{task_id}", dependencies=[READ])
def get_task_instance(request: Request, dag_id: str, dag_run_id: str, task_id: str) -> TaskInstanceResponse:
    return TaskInstanceResponse.of(service.get_task_instance(service_context(request), dag_id, dag_run_id, task_id))


@router.get(TIS + "/{task_id}/tries", dependencies=[READ])
def get_task_instance_tries(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int = MapIndexQuery()
) -> TaskInstanceHistoryCollectionResponse:
    """Every try of the task instance that started, and the current one. A past try's pid, state
    and end come from its log (None when the log does not say)."""
    tries = task_tries.list_tries(service_context(request), dag_id, dag_run_id, task_id, map_index)
    return TaskInstanceHistoryCollectionResponse(
        task_instances=[TaskInstanceHistoryResponse.of(t) for t in tries], total_entries=len(tries)
    )


@router.get(TIS + "/{task_id}/tries/{task_try_number}", dependencies=[READ])
def get_task_instance_try_details(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, task_try_number: int = TryNumberPath(),
    map_index: int = MapIndexQuery(),
) -> TaskInstanceHistoryResponse:
    found = task_tries.get_try(service_context(request), dag_id, dag_run_id, task_id, task_try_number, map_index)
    return TaskInstanceHistoryResponse.of(found)


@router.get(TIS + "/{task_id}/dependencies", dependencies=[READ])
def get_task_instance_dependencies(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int = MapIndexQuery()
) -> TaskDependencyCollectionResponse:
    """What keeps the task instance from running now (empty: nothing)."""
    found = task_dependencies.unmet_dependencies(service_context(request), dag_id, dag_run_id, task_id, map_index)
    return TaskDependencyCollectionResponse(dependencies=[TaskDependencyResponse(name=d.name, reason=d.reason)
                                                          for d in found])


def _patch(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int | None, body: PatchTaskInstanceBody,
    update_mask: list[str] | None, dry_run: bool,
) -> TaskInstanceCollectionResponse:
    given = body.model_fields_set & set(update_mask) if update_mask else body.model_fields_set
    unknown = set(update_mask or ()) - {"new_state", "note"}
    if unknown:
        raise InvalidRequest(f"update_mask may name new_state and note, not {', '.join(sorted(unknown))}")
    result = task_marking.mark_task_instance(service_context(request), dag_id, dag_run_id, task_id, task_marking.MarkRequest(
        new_state=body.new_state if "new_state" in given else None, note=body.note, set_note="note" in given,
        map_index=map_index, include_upstream=body.include_upstream, include_downstream=body.include_downstream,
        include_past=body.include_past, include_future=body.include_future, dry_run=dry_run,
    ))
    return _collection(Page(result.task_instances, len(result.task_instances)))


@router.patch(TIS + "/{task_id}/dry_run", dependencies=[OPERATE])
def patch_task_instance_dry_run(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, body: PatchTaskInstanceBody,
    map_index: int | None = Query(default=None, ge=-1, le=BIG), update_mask: list[str] | None = Query(default=None),
) -> TaskInstanceCollectionResponse:
    """The task instances a PATCH with this body would change, as they are now; nothing changes."""
    return _patch(request, dag_id, dag_run_id, task_id, map_index, body, update_mask, dry_run=True)


@router.patch(TIS + "/{task_id}", dependencies=[OPERATE])
def patch_task_instance(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, body: PatchTaskInstanceBody,
    map_index: int | None = Query(default=None, ge=-1, le=BIG), update_mask: list[str] | None = Query(default=None),
) -> TaskInstanceCollectionResponse:
    """Set the state of the task's instances in this run (all of them without map_index), and of
    their relatives with include_*; or write their note. Marking success clears the failed task
    instances downstream so they run again."""
    return _patch(request, dag_id, dag_run_id, task_id, map_index, body, update_mask, dry_run=False)


@router.post("/dags/{dag_id}/clearTaskInstances", dependencies=[OPERATE])
def post_clear_task_instances(request: Request, dag_id: str, body: ClearTaskInstancesBody) -> TaskInstanceCollectionResponse:
    """Clear task instances so the scheduler runs them again (their try numbers go on); with
    dry_run (the default) only answer which ones."""
    task_ids, map_indexes = split_task_ids(body.task_ids)
    result = clearing.clear_task_instances(service_context(request), dag_id, clearing.ClearRequest(
        task_ids=task_ids, map_indexes=map_indexes, run_id=body.dag_run_id, start=utc(body.start_date), end=utc(body.end_date),
        only_failed=body.only_failed, only_running=body.only_running, include_upstream=body.include_upstream,
        include_downstream=body.include_downstream, include_past=body.include_past,
        include_future=body.include_future, reset_dag_runs=body.reset_dag_runs,
        prevent_running_task=body.prevent_running_task, note=body.note, dry_run=body.dry_run,
    ))
    return _collection(Page(result.task_instances, len(result.task_instances)))


# A map index in a path is digits (``{map_index:int}``), so ``/{task_id}/tries``, ``/xcomEntries``, ``/logs``...
# never reach these routes, in whatever order the routers are included.

@router.get(TIS + "/{task_id}/{map_index:int}", dependencies=[READ])
def get_mapped_task_instance(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int = MapIndexPath()
) -> TaskInstanceResponse:
    return TaskInstanceResponse.of(
        service.get_task_instance(service_context(request), dag_id, dag_run_id, task_id, map_index)
    )


@router.get(TIS + "/{task_id}/{map_index:int}/tries", dependencies=[READ])
def get_mapped_task_instance_tries(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int = MapIndexPath()
) -> TaskInstanceHistoryCollectionResponse:
    return get_task_instance_tries(request, dag_id, dag_run_id, task_id, map_index)


@router.get(TIS + "/{task_id}/{map_index:int}/tries/{task_try_number}", dependencies=[READ])
def get_mapped_task_instance_try_details(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int = MapIndexPath(),
    task_try_number: int = TryNumberPath(),
) -> TaskInstanceHistoryResponse:
    return get_task_instance_try_details(request, dag_id, dag_run_id, task_id, task_try_number, map_index)


@router.get(TIS + "/{task_id}/{map_index:int}/dependencies", dependencies=[READ])
def get_task_instance_dependencies_by_map_index(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, map_index: int = MapIndexPath()
) -> TaskDependencyCollectionResponse:
    return get_task_instance_dependencies(request, dag_id, dag_run_id, task_id, map_index)


@router.patch(TIS + "/{task_id}/{map_index:int}/dry_run", dependencies=[OPERATE])
def patch_task_instance_dry_run_by_map_index(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, body: PatchTaskInstanceBody, map_index: int = MapIndexPath(),
    update_mask: list[str] | None = Query(default=None),
) -> TaskInstanceCollectionResponse:
    return _patch(request, dag_id, dag_run_id, task_id, map_index, body, update_mask, dry_run=True)


@router.patch(TIS + "/{task_id}/{map_index:int}", dependencies=[OPERATE])
def patch_task_instance_by_map_index(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, body: PatchTaskInstanceBody, map_index: int = MapIndexPath(),
    update_mask: list[str] | None = Query(default=None),
) -> TaskInstanceCollectionResponse:
    return _patch(request, dag_id, dag_run_id, task_id, map_index, body, update_mask, dry_run=False)


def _patch_group(
    request: Request, dag_id: str, dag_run_id: str, group_id: str, body: PatchTaskInstanceBody,
    update_mask: list[str] | None, dry_run: bool,
) -> TaskInstanceCollectionResponse:
    given = body.model_fields_set & set(update_mask) if update_mask else body.model_fields_set
    result = task_marking.mark_task_group(service_context(request), dag_id, dag_run_id, group_id, task_marking.MarkRequest(
        new_state=body.new_state if "new_state" in given else None, note=body.note, set_note="note" in given,
        include_upstream=body.include_upstream, include_downstream=body.include_downstream,
        include_past=body.include_past, include_future=body.include_future, dry_run=dry_run,
    ))
    return _collection(Page(result.task_instances, len(result.task_instances)))


GROUPS = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskGroupInstances/{group_id}"


@router.patch(GROUPS + "/dry_run", dependencies=[OPERATE])
def patch_task_group_instances_dry_run(
    request: Request, dag_id: str, dag_run_id: str, group_id: str, body: PatchTaskInstanceBody
) -> TaskInstanceCollectionResponse:
    """The task instances a PATCH of the group with this body would change; nothing changes."""
    return _patch_group(request, dag_id, dag_run_id, group_id, body, None, dry_run=True)


@router.patch(GROUPS, dependencies=[OPERATE])
def patch_task_group_instances(
    request: Request, dag_id: str, dag_run_id: str, group_id: str, body: PatchTaskInstanceBody,
    update_mask: list[str] | None = Query(default=None),
) -> TaskInstanceCollectionResponse:
    """Set the state or note of every task instance of a task group (nested groups included) in this run."""
    return _patch_group(request, dag_id, dag_run_id, group_id, body, update_mask, dry_run=False)
