"""XCom entries of Airflow 3's ``/api/v2``: list (``~`` for every DAG, run and task), get, and for
the User role add, change and delete."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from slipstream.api.listing import Limit, Offset
from slipstream.api.security import OPERATE, READ, service_context
from slipstream.api.task_instance_filters import (
    BIG,
    PATTERN_DOC,
    PREFIX_DOC,
    MapIndexQuery,
    any_id,
    date_range,
)
from slipstream.services import xcoms as service
from slipstream.store.xcom_listing import XComFilter

router = APIRouter(prefix="/api/v2", tags=["XCom"])
XCOMS = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries"


class XComResponse(BaseModel):
    key: str
    timestamp: datetime
    logical_date: datetime | None
    map_index: int
    task_id: str
    dag_id: str
    run_id: str
    dag_display_name: str
    task_display_name: str
    run_after: datetime | None


class XComResponseNative(XComResponse):
    value: Any


class XComResponseString(XComResponse):
    value: str | None


class XComCollectionResponse(BaseModel):
    xcom_entries: list[XComResponse]
    total_entries: int


class XComCreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: str
    value: Any
    map_index: int = Field(default=-1, ge=-1, le=BIG)


class XComUpdateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    value: Any
    map_index: int = Field(default=-1, ge=-1, le=BIG)


def _fields(entry: service.XComEntry) -> dict[str, Any]:
    return {k: v for k, v in asdict(entry).items() if k != "value"}


@router.get(XCOMS, dependencies=[READ])
def get_xcom_entries(
    request: Request, dag_id: str, dag_run_id: str, task_id: str,
    xcom_key: str | None = None, map_index: int | None = Query(default=None, ge=-1, le=BIG),
    limit: Limit = 50, offset: Offset = 0,
    xcom_key_pattern: str | None = Query(default=None, description=PATTERN_DOC),
    xcom_key_prefix_pattern: str | None = Query(default=None, description=PREFIX_DOC),
    dag_display_name_pattern: str | None = Query(default=None, description="Matched against DAG ids"),
    dag_display_name_prefix_pattern: str | None = Query(default=None, description="Matched against DAG ids"),
    run_id_pattern: str | None = Query(default=None, description=PATTERN_DOC),
    run_id_prefix_pattern: str | None = Query(default=None, description=PREFIX_DOC),
    task_id_pattern: str | None = Query(default=None, description=PATTERN_DOC),
    task_id_prefix_pattern: str | None = Query(default=None, description=PREFIX_DOC),
    map_index_filter: int | None = Query(default=None, ge=-BIG, le=BIG),
    logical_date_gte: datetime | None = None, logical_date_gt: datetime | None = None,
    logical_date_lte: datetime | None = None, logical_date_lt: datetime | None = None,
    run_after_gte: datetime | None = None, run_after_gt: datetime | None = None,
    run_after_lte: datetime | None = None, run_after_lt: datetime | None = None,
    order_by: list[str] = Query(default=["dag_id", "task_id", "run_id", "map_index", "key"],
                                description="key, dag_id, run_id, task_id, map_index, timestamp, run_after; `-` first "
                                "for descending"),
) -> XComCollectionResponse:
    """XCom entries (without values); `~` as dag_id, dag_run_id and task_id lists across them."""
    named = {"key": xcom_key_pattern, "dag_id": dag_display_name_pattern, "run_id": run_id_pattern,
             "task_id": task_id_pattern}
    prefixed = {"key": xcom_key_prefix_pattern, "dag_id": dag_display_name_prefix_pattern,
                "run_id": run_id_prefix_pattern, "task_id": task_id_prefix_pattern}
    spec = XComFilter(
        dag_id=any_id(dag_id), run_id=any_id(dag_run_id), task_id=any_id(task_id), key=xcom_key,
        map_index=map_index if map_index is not None else map_index_filter,
        logical_date=date_range(logical_date_gte, logical_date_gt, logical_date_lte, logical_date_lt),
        run_after=date_range(run_after_gte, run_after_gt, run_after_lte, run_after_lt),
        patterns=[(c, p) for c, p in named.items() if p], prefixes=[(c, p) for c, p in prefixed.items() if p],
    )
    page = service.list_xcoms(service_context(request), spec, order_by=order_by, limit=limit, offset=offset)
    return XComCollectionResponse(xcom_entries=[XComResponse(**_fields(e)) for e in page.items],
                                  total_entries=page.total_entries)


@router.get(XCOMS + "/{xcom_key}", dependencies=[READ], response_model=XComResponseNative | XComResponseString)
def get_xcom_entry(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, xcom_key: str,
    map_index: int = MapIndexQuery(), deserialize: bool = False, stringify: bool = False,
) -> Any:
    """One entry with its value: JSON as stored (``deserialize`` changes nothing: values are JSON),
    or its Python ``str`` with ``stringify``."""
    entry = service.get_xcom(service_context(request), dag_id, dag_run_id, task_id, xcom_key, map_index=map_index,
                             stringify=stringify)
    model = XComResponseString if stringify else XComResponseNative
    return model(**_fields(entry), value=entry.value)


@router.post(XCOMS, dependencies=[OPERATE], status_code=201)
def create_xcom_entry(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, body: XComCreateBody
) -> XComResponseNative:
    entry = service.create_xcom(service_context(request), dag_id, dag_run_id, task_id, body.key, body.value,
                                map_index=body.map_index)
    return XComResponseNative(**_fields(entry), value=entry.value)


@router.patch(XCOMS + "/{xcom_key}", dependencies=[OPERATE])
def update_xcom_entry(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, xcom_key: str, body: XComUpdateBody
) -> XComResponseNative:
    entry = service.update_xcom(service_context(request), dag_id, dag_run_id, task_id, xcom_key, body.value,
                                map_index=body.map_index)
    return XComResponseNative(**_fields(entry), value=entry.value)


@router.delete(XCOMS + "/{xcom_key}", dependencies=[OPERATE], status_code=204)
def delete_xcom_entry(
    request: Request, dag_id: str, dag_run_id: str, task_id: str, xcom_key: str,
    map_index: int = MapIndexQuery(),
) -> Response:
    service.delete_xcom(service_context(request), dag_id, dag_run_id, task_id, xcom_key, map_index=map_index)
    return Response(status_code=204)
