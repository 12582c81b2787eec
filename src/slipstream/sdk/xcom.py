"""BaseXCom: XCom access by class methods, as Airflow's ``BaseXCom`` offers it to task code.

The calls go through the running task's instance (``get_current_context()["ti"]``), so they
read and write the store the way ``ti.xcom_push``/``ti.xcom_pull`` do, within the task's run.
Custom XCom backends (a subclass set as ``[core] xcom_backend``) are not supported: Slipstream
always keeps XCom values in its own store.
"""

from __future__ import annotations

import json
from typing import Any

from slipstream.sdk.context import get_current_context


def _ti_for(dag_id: str, run_id: str, what: str) -> Any:
    ti = get_current_context()["ti"]
    if (ti.dag_id, ti.run_id) != (dag_id, run_id) and run_id is not None:
        raise ValueError(
            f"BaseXCom.{what} for run {run_id!r} of DAG {dag_id!r}: Slipstream reaches XComs of the running "
            f"task's own run only ({ti.run_id!r} of {ti.dag_id!r})"
        )
    return ti


class BaseXCom:
    """XCom values of the running task's run, by key, task and map index."""

    @classmethod
    def set(
        cls, key: str, value: Any, *, dag_id: str, task_id: str, run_id: str, map_index: int = -1, **kwargs: Any
    ) -> None:
        """Push ``value`` under ``key`` for the running task (the only task a try may write for)."""
        ti = _ti_for(dag_id, run_id, "set")
        if (task_id, map_index) != (ti.task_id, ti.map_index):
            raise ValueError(
                f"BaseXCom.set for task {task_id!r} (map_index {map_index}): a try pushes XComs for itself only "
                f"({ti.task_id!r}, map_index {ti.map_index})"
            )
        ti.xcom_push(key, value)

    @classmethod
    def get_one(
        cls, *, key: str = "return_value", dag_id: str, task_id: str, run_id: str, map_index: int | None = None,
        include_prior_dates: bool = False, **kwargs: Any,
    ) -> Any:
        """The value ``task_id`` pushed under ``key`` in this run, or None."""
        ti = _ti_for(dag_id, run_id, "get_one")
        return ti.xcom_pull(task_ids=task_id, dag_id=dag_id, key=key, map_indexes=map_index,
                            include_prior_dates=include_prior_dates)

    @classmethod
    def get_value(cls, *, ti_key: Any, key: str = "return_value") -> Any:
        """The value pushed under ``key`` by the task instance ``ti_key`` (dag_id, task_id, run_id, map_index)."""
        return cls.get_one(key=key, dag_id=ti_key.dag_id, task_id=ti_key.task_id, run_id=ti_key.run_id,
                           map_index=getattr(ti_key, "map_index", None))

    @staticmethod
    def serialize_value(value: Any, **kwargs: Any) -> str:
        """The JSON text of ``value``."""
        return json.dumps(value)

    @staticmethod
    def deserialize_value(result: Any) -> Any:
        """A value from its JSON text (or from an object with a ``value`` attribute holding it)."""
        raw = getattr(result, "value", result)
        return json.loads(raw) if isinstance(raw, (str, bytes)) else raw
