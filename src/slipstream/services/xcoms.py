"""XCom entries: list, read, and (for operators of a run) add, change or delete one.

Values are JSON in the store, so Airflow's ``deserialize`` changes nothing here; ``stringify``
answers the value's Python ``str``. A value under a sensitive key name (``password``,
``secret``...) is shown as ``***``, as the CLI shows it: the API process does not know the
secrets a task registered, only the names that mark one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from slipstream.sdk.secrets_masker import redact
from slipstream.services.context import ServiceContext
from slipstream.services.errors import AlreadyExists, InvalidRequest, NotFound
from slipstream.services.paging import Page
from slipstream.services.task_instances import check_run
from slipstream.store import dags, task_instances, xcoms
from slipstream.store import task_instance_listing as ti_listing
from slipstream.store import xcom_listing as listing
from slipstream.store.clock import utcnow
from slipstream.store.values import XComNotSerializable

NO_VALUE = object()


@dataclass(frozen=True)
class XComEntry:
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
    value: Any = NO_VALUE


def _entries(session: Session, rows: Sequence[Any], with_value: bool, stringify: bool = False) -> list[XComEntry]:
    dag_ids = sorted({r.dag_id for r in rows})
    names = ti_listing.dag_names(session, dag_ids)
    tasks = ti_listing.serialized_tasks(session, dag_ids)
    found = []
    for r in rows:
        value: Any = NO_VALUE
        if with_value:
            value = redact(json.loads(r.value), r.key)
            value = str(value) if stringify and value is not None else value
        found.append(XComEntry(
            key=r.key, timestamp=r.timestamp, logical_date=r.logical_date, map_index=r.map_index, task_id=r.task_id,
            dag_id=r.dag_id, run_id=r.run_id, dag_display_name=names.get(r.dag_id, r.dag_id),
            task_display_name=tasks.get(r.dag_id, {}).get(r.task_id, {}).get("task_display_name") or r.task_id,
            run_after=r.run_after, value=value,
        ))
    return found


def _ordering(fields: Sequence[str]) -> list[tuple[str, bool]]:
    found = []
    for item in [f for f in fields if f] or ("dag_id", "task_id", "run_id", "map_index", "key"):
        name, desc = (item[1:], True) if item.startswith("-") else (item, False)
        if name not in listing.ORDERABLE:
            raise InvalidRequest(f"Cannot order XCom entries by {name!r}: use one of {', '.join(sorted(listing.ORDERABLE))}")
        found.append((name, desc))
    return found


def list_xcoms(
    ctx: ServiceContext, spec: listing.XComFilter, *, order_by: Sequence[str] = (), limit: int = 50, offset: int = 0
) -> Page[XComEntry]:
    """A page of entries (without their values, as in Airflow); a named run that does not exist is a 404."""
    ordering = _ordering(order_by)
    with ctx.db.read() as session:
        if spec.dag_id is not None and spec.run_id is not None:
            check_run(session, spec.dag_id, spec.run_id)
        elif spec.dag_id is not None and dags.get_dag(session, spec.dag_id) is None:
            raise NotFound(f"DAG {spec.dag_id!r} not found")
        rows, total = listing.page(session, spec, ordering, limit, offset)
        return Page(_entries(session, rows, with_value=False), total)


def _find(session: Session, dag_id: str, run_id: str, task_id: str, key: str, map_index: int) -> Any:
    row = listing.one(session, dag_id, run_id, task_id, key, map_index)
    if row is None:
        check_run(session, dag_id, run_id)
        raise NotFound(f"XCom entry {key!r} of task {task_id!r} (map index {map_index}) in DAG run {run_id!r} of DAG "
                       f"{dag_id!r} not found")
    return row


def get_xcom(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, key: str, *, map_index: int = -1,
    stringify: bool = False,
) -> XComEntry:
    with ctx.db.read() as session:
        return _entries(session, [_find(session, dag_id, run_id, task_id, key, map_index)], True, stringify)[0]


def _check_json(value: Any) -> None:
    try:
        json.dumps(value)
    except (TypeError, ValueError) as err:
        raise InvalidRequest(f"An XCom value must be JSON: {err}") from None


def create_xcom(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, key: str, value: Any, *, map_index: int = -1
) -> XComEntry:
    """Add an entry to an existing task instance; one that exists under that key is a 409."""
    if not key:
        raise InvalidRequest("An XCom entry needs a key")
    _check_json(value)
    with ctx.db.write() as session:
        run = check_run(session, dag_id, run_id)
        if task_instances.find(session, task_instances.TaskInstanceKey(dag_id, run_id, task_id, map_index)) is None:
            raise NotFound(f"Task instance {task_id!r} (map index {map_index}) of DAG run {run_id!r} of DAG "
                           f"{dag_id!r} not found")
        if listing.one(session, dag_id, run_id, task_id, key, map_index) is not None:
            raise AlreadyExists(f"XCom entry {key!r} of task {task_id!r} (map index {map_index}) in run {run_id!r} "
                                "already exists: change it with PATCH")
        try:
            xcoms.push(session, dag_run_id=run.id, dag_id=dag_id, run_id=run_id, task_id=task_id,
                       map_index=map_index, key=key, value=value, now=utcnow())
        except XComNotSerializable as err:
            raise InvalidRequest(str(err)) from None
        return _entries(session, [_find(session, dag_id, run_id, task_id, key, map_index)], True)[0]


def update_xcom(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, key: str, value: Any, *, map_index: int = -1
) -> XComEntry:
    _check_json(value)
    with ctx.db.write() as session:
        row = _find(session, dag_id, run_id, task_id, key, map_index)
        listing.change(session, row.id, value, utcnow())
        return _entries(session, [_find(session, dag_id, run_id, task_id, key, map_index)], True)[0]


def delete_xcom(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, key: str, *, map_index: int = -1) -> None:
    with ctx.db.write() as session:
        listing.remove(session, _find(session, dag_id, run_id, task_id, key, map_index).id)
