"""The template fields of each try as rendered, before the task ran (``tasks render``)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select
from sqlalchemy.orm import Session

from slipstream.store.models import RenderedTaskInstanceFieldsRow
from slipstream.store.upsert import dialect_name, replace_statements
from slipstream.store.values import storable

TABLE = RenderedTaskInstanceFieldsRow.__table__

_KEY = (
    TABLE.c.dag_id == bindparam("b_dag"),
    TABLE.c.run_id == bindparam("b_run"),
    TABLE.c.task_id == bindparam("b_task"),
    TABLE.c.map_index == bindparam("b_map"),
)
_DELETE_TRY = delete(TABLE).where(*_KEY, TABLE.c.try_number == bindparam("b_try"))
_INSERT = TABLE.insert()
# A sensor's rescheduled try is the same try again: its row is replaced.
_REPLACE = replace_statements(TABLE, "rendered_fields_key", ["rendered_fields", "timestamp"])


def save(
    session: Session | Connection, *, dag_id: str, run_id: str, task_id: str, map_index: int, try_number: int,
    fields: Mapping[str, Any], now: datetime,
) -> None:
    """Store (or replace) the rendered fields of one try; values go through ``storable``."""
    values = {name: storable(value) for name, value in fields.items()}
    row = {
        "dag_id": dag_id, "run_id": run_id, "task_id": task_id, "map_index": map_index,
        "try_number": try_number, "rendered_fields": values, "timestamp": now,
    }
    replace = _REPLACE.get(dialect_name(session))
    if replace is not None:
        session.execute(replace, row)
        return
    key = {"b_dag": dag_id, "b_run": run_id, "b_task": task_id, "b_map": map_index, "b_try": try_number}
    session.execute(_DELETE_TRY, key)
    session.execute(_INSERT, row)


def get(
    session: Session, *, dag_id: str, run_id: str, task_id: str, map_index: int = -1, try_number: int | None = None
) -> RenderedTaskInstanceFieldsRow | None:
    """The rendered fields of one try, or of the latest try that stored them when ``try_number``
    is None; None when there are none."""
    query = select(RenderedTaskInstanceFieldsRow).where(
        RenderedTaskInstanceFieldsRow.dag_id == dag_id,
        RenderedTaskInstanceFieldsRow.run_id == run_id,
        RenderedTaskInstanceFieldsRow.task_id == task_id,
        RenderedTaskInstanceFieldsRow.map_index == map_index,
    )
    if try_number is not None:
        query = query.where(RenderedTaskInstanceFieldsRow.try_number == try_number)
    return session.scalars(query.order_by(RenderedTaskInstanceFieldsRow.try_number.desc()).limit(1)).first()
