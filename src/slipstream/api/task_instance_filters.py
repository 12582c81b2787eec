"""The query parameters Airflow's task instance listings take, gathered into one filter (a
FastAPI dependency, so the listings share them and the OpenAPI document shows each one)."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

from slipstream.api.listing import MAX_ROW_ID, date_range
from slipstream.services import task_instances as ti_service
from slipstream.services.errors import InvalidRequest, Unsupported
from slipstream.store.patterns import Range
from slipstream.store.task_instance_listing import TaskInstanceFilter

# The database's integers are 64-bit: a bigger one in a request is a 422, not an overflow (a 500).
BIG = MAX_ROW_ID
BoundedInt = Annotated[int, Field(ge=-BIG, le=BIG)]


# Each parameter gets its own FastAPI field (one shared between parameters takes the first one's name).
def MapIndexQuery() -> Any:  # noqa: N802 - used as a parameter's default, as Query() is
    return Query(default=-1, ge=-1, le=BIG)


def MapIndexPath() -> Any:  # noqa: N802
    return Path(ge=-1, le=BIG)


def TryNumberPath() -> Any:  # noqa: N802
    return Path(ge=0, le=BIG)


PATTERN_DOC = "Case-insensitive substring match; `|` between alternatives; `~` matches all."
PREFIX_DOC = "Prefix match."


def any_id(value: str) -> str | None:
    """``~`` (every DAG, every run) as None."""
    return None if value == "~" else value


def ti_filters(
    run_after_gte: datetime | None = None, run_after_gt: datetime | None = None,
    run_after_lte: datetime | None = None, run_after_lt: datetime | None = None,
    logical_date_gte: datetime | None = None, logical_date_gt: datetime | None = None,
    logical_date_lte: datetime | None = None, logical_date_lt: datetime | None = None,
    start_date_gte: datetime | None = None, start_date_gt: datetime | None = None,
    start_date_lte: datetime | None = None, start_date_lt: datetime | None = None,
    end_date_gte: datetime | None = None, end_date_gt: datetime | None = None,
    end_date_lte: datetime | None = None, end_date_lt: datetime | None = None,
    updated_at_gte: datetime | None = None, updated_at_gt: datetime | None = None,
    updated_at_lte: datetime | None = None, updated_at_lt: datetime | None = None,
    duration_gte: float | None = None, duration_gt: float | None = None,
    duration_lte: float | None = None, duration_lt: float | None = None,
    state: list[str] = Query(default=[]),
    pool: list[str] = Query(default=[]),
    pool_name_pattern: str | None = Query(default=None, description=PATTERN_DOC),
    pool_name_prefix_pattern: str | None = Query(default=None, description=PREFIX_DOC),
    queue: list[str] = Query(default=[]),
    queue_name_pattern: str | None = Query(default=None, description=PATTERN_DOC),
    queue_name_prefix_pattern: str | None = Query(default=None, description=PREFIX_DOC),
    executor: list[str] = Query(default=[], description="Not supported: Slipstream runs every task on [core] executor"),
    version_number: list[BoundedInt] = Query(default=[], description="Not supported: Slipstream keeps no DAG versions"),
    try_number: list[BoundedInt] = Query(default=[]),
    operator: list[str] = Query(default=[]),
    operator_name_pattern: str | None = Query(default=None, description=PATTERN_DOC),
    operator_name_prefix_pattern: str | None = Query(default=None, description=PREFIX_DOC),
    map_index: list[BoundedInt] = Query(default=[]),
    rendered_map_index_pattern: str | None = Query(default=None, description=PATTERN_DOC),
    rendered_map_index_prefix_pattern: str | None = Query(default=None, description=PREFIX_DOC),
) -> TaskInstanceFilter:
    if any(v is not None for v in (updated_at_gte, updated_at_gt, updated_at_lte, updated_at_lt)):
        raise Unsupported("Filtering task instances by updated_at is not supported: Slipstream does not record when "
                          "a task instance row last changed; use start_date_* or end_date_*")
    if executor:
        raise Unsupported("Filtering task instances by executor is not supported: every task runs on the executor of "
                          "[core] executor")
    if version_number:
        raise Unsupported("Filtering task instances by DAG version is not supported: Slipstream keeps no DAG versions")
    patterns = [(c, p) for c, p in (("pool", pool_name_pattern), ("queue", queue_name_pattern),
                                    ("operator", operator_name_pattern),
                                    ("rendered_map_index", rendered_map_index_pattern)) if p]
    prefixes = [(c, p) for c, p in (("pool", pool_name_prefix_pattern), ("queue", queue_name_prefix_pattern),
                                    ("operator", operator_name_prefix_pattern),
                                    ("rendered_map_index", rendered_map_index_prefix_pattern)) if p]
    return TaskInstanceFilter(
        states=ti_service.store_states(state), pools=pool, queues=queue, try_numbers=try_number, operators=operator,
        map_indexes=map_index,
        run_after=date_range(run_after_gte, run_after_gt, run_after_lte, run_after_lt),
        logical_date=date_range(logical_date_gte, logical_date_gt, logical_date_lte, logical_date_lt),
        start_date=date_range(start_date_gte, start_date_gt, start_date_lte, start_date_lt),
        end_date=date_range(end_date_gte, end_date_gt, end_date_lte, end_date_lt),
        duration=Range(duration_gte, duration_gt, duration_lte, duration_lt),
        patterns=patterns, prefixes=prefixes,
    )


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset a cursor from ``next_cursor``/``previous_cursor`` stands for ('' is the first page)."""
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, number = text.partition(":")
        if kind == "offset" and int(number) >= 0:
            return int(number)
    except (ValueError, UnicodeDecodeError):
        pass
    raise InvalidRequest("Invalid cursor: pass '' for the first page, then next_cursor or previous_cursor as answered")


def split_task_ids(items: list[str | tuple[str, int]] | None) -> tuple[list[str] | None, dict[str, set[int]]]:
    """A clear's ``task_ids`` as Airflow's body gives them (task ids, or ``[task_id, map_index]``
    pairs): the task ids, and the map indexes named for some of them."""
    if items is None:
        return None, {}
    task_ids: list[str] = []
    map_indexes: dict[str, set[int]] = {}
    for item in items:
        if isinstance(item, str):
            task_ids.append(item)
        else:
            task_ids.append(item[0])
            map_indexes.setdefault(item[0], set()).add(item[1])
    return task_ids, map_indexes
