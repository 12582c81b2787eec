"""``@asset`` and ``@asset.multi``: a DAG with one task that produces the asset(s)."""

from __future__ import annotations

import pytest

from slipstream.dagfiles.serialization import serialize_dag
from slipstream.sdk import Asset, asset
from slipstream.sdk.asset_decorator import AssetMainOperator
from slipstream.sdk.assets import AssetAll, AssetNameRef


@asset(uri="s3://bucket/raw", schedule=None, tags=["lake"])
def raw():
    return "raw"


@asset(schedule=raw, extra={"format": "parquet"})
def cleaned(self, context, raw, limit=10):
    return (self.name, raw.uri, limit, sorted(context))


@asset.multi(outlets=[Asset("left"), Asset("right")], schedule=None)
def split():
    pass


def test_asset_defines_a_dag_with_one_producing_task():
    assert isinstance(raw, Asset) and (raw.name, raw.uri) == ("raw", "s3://bucket/raw")
    dag = raw.dag
    assert dag.dag_id == "raw" and dag.catchup is False and dag.tags == ["lake"]
    (task,) = dag.tasks
    assert isinstance(task, AssetMainOperator) and task.task_id == "raw"
    assert task.outlets == [raw] and task.inlets == []


def test_parameters_without_default_become_inlets_and_the_schedule_is_the_upstream_asset():
    (task,) = cleaned.dag.tasks
    assert task.inlets == [AssetNameRef("raw")]
    assert cleaned.extra == {"format": "parquet"} and cleaned.uri == "cleaned"
    data = serialize_dag(cleaned.dag)
    assert data["asset_condition"] == raw.encode()
    assert data["tasks"][0]["outlets"] == [cleaned.encode()]
    assert data["tasks"][0]["inlets"] == [{"kind": "name_ref", "name": "raw"}]


def test_execute_passes_self_context_and_inlet_assets():
    (task,) = cleaned.dag.tasks

    class Inlets:
        def resolve(self, ref):
            return Asset(ref.value, uri=f"s3://bucket/{ref.value}")

    context = {"inlet_events": Inlets(), "outlet_events": {}}
    name, uri, limit, keys = task.execute(context)
    assert (name, uri, limit) == ("cleaned", "s3://bucket/raw", 10)
    assert keys == ["inlet_events", "outlet_events"]


def test_multi_produces_every_outlet():
    assert isinstance(split, AssetAll) and split.dag.dag_id == "split"
    (task,) = split.dag.tasks
    assert task.outlets == [Asset("left"), Asset("right")]


def test_bad_functions_are_refused():
    def wildcard(*args):
        pass

    with pytest.raises(ValueError, match="nested function"):
        asset(schedule=None)(wildcard)
    with pytest.raises(ValueError, match="at least one asset"):
        asset.multi(outlets=[], schedule=None)
    with pytest.raises(TypeError, match="unexpected keyword"):
        asset(schedule=None, colour="red")
