"""BaseXCom outside the running task's reach says why (its use inside a run: test_surface_in_a_run)."""

from __future__ import annotations

import pytest

from slipstream.sdk.context import set_current_context
from slipstream.sdk.types import TaskInstance
from slipstream.sdk.xcom import BaseXCom


class _Ti(TaskInstance):
    dag_id, task_id, run_id, map_index = "d", "t", "r1", -1

    def __init__(self) -> None:
        self.pushed: list[tuple[str, object]] = []

    def xcom_push(self, key: str, value: object) -> None:
        self.pushed.append((key, value))


def test_outside_a_task_it_says_where_to_call_it() -> None:
    with pytest.raises(RuntimeError, match="outside a running task"):
        BaseXCom.get_one(dag_id="d", task_id="t", run_id="r1")


def test_another_run_or_another_task_is_refused() -> None:
    ti = _Ti()
    with set_current_context({"ti": ti}):
        with pytest.raises(ValueError, match="XComs of the running task's own run only"):
            BaseXCom.get_one(dag_id="d", task_id="t", run_id="r0")
        with pytest.raises(ValueError, match="pushes XComs for itself only"):
            BaseXCom.set("k", 1, dag_id="d", task_id="other", run_id="r1")
        BaseXCom.set("k", 1, dag_id="d", task_id="t", run_id="r1")
    assert ti.pushed == [("k", 1)]


def test_values_round_trip_through_json() -> None:
    assert BaseXCom.deserialize_value(BaseXCom.serialize_value({"a": [1, 2]})) == {"a": [1, 2]}
