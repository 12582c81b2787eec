"""The authoring objects of assets: names and URIs, conditions, Metadata, inlets and outlets."""

from __future__ import annotations

import warnings

import pytest

from slipstream.sdk import (
    DAG,
    Asset,
    AssetAccessControl,
    AssetAlias,
    AssetAll,
    AssetAny,
    AssetWatcher,
    Metadata,
    task,
)
from slipstream.sdk.asset_schedule import as_condition, describe, encode_all
from slipstream.sdk.assets import AssetArgumentWarning, AssetNameRef, AssetUriRef, Dataset
from slipstream.sdk.event_triggers import FileDeleteTrigger
from slipstream.timetables.assets import AssetOrTimeSchedule, schedule_summary, split_schedule


def test_name_or_uri_gives_the_other():
    by_uri = Asset(uri="s3://bucket/key")
    assert (by_uri.name, by_uri.uri, by_uri.group, by_uri.extra) == ("s3://bucket/key", "s3://bucket/key", "asset", {})
    by_name = Asset("orders")
    assert (by_name.name, by_name.uri) == ("orders", "orders")
    both = Asset(name="orders", uri="postgres://db/public/orders")
    assert both.key == ("orders", "postgres://db/public/orders")
    assert Dataset("s3://b/k").group == "dataset"


def test_uri_is_normalized_as_airflow_does():
    asset = Asset("S3://bucket/dir/?b=2&a=1#part")
    assert asset.name == "S3://bucket/dir/?b=2&a=1#part"
    assert asset.uri == "s3://bucket/dir?a=1&b=2"
    assert Asset(uri="file:///").uri == "file:///"
    assert Asset(uri="x-custom://Keep/Me/").uri == "x-custom://Keep/Me/"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert Asset(uri="postgres://user:secret@host/db").uri == "postgres://host/db"
    assert "password" in str(caught[0].message)


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({}, TypeError, "needs a name or a uri"),
        ({"name": ""}, ValueError, "must not be empty"),
        ({"name": "   "}, ValueError, "only whitespace"),
        ({"name": "self"}, ValueError, "reserved"),
        ({"uri": "airflow://dag/x"}, ValueError, "scheme 'airflow', which is reserved"),
        ({"name": "a" * 1501}, ValueError, "longer than 1500"),
        ({"name": 3}, TypeError, "must be a string"),
        ({"name": "a", "extra": {"when": object()}}, TypeError, "JSON values"),
        ({"name": "a", "extra": ["x"]}, TypeError, "extra must be a dict"),
    ],
)
def test_bad_assets_say_what_is_wrong(kwargs, error, words):
    with pytest.raises(error, match=words):
        Asset(**kwargs)


def test_equality_and_hash_follow_name_uri_group_and_extra():
    assert Asset("a") == Asset("a") and hash(Asset("a")) == hash(Asset("a"))
    assert Asset("a") != Asset("a", extra={"x": 1})
    assert Asset("a") != AssetAlias("a")
    assert len({Asset("a"), Asset("a"), Asset("b")}) == 2


def test_operators_build_conditions_and_flatten():
    a, b, c = Asset("a"), Asset("b"), Asset("c")
    assert (a & b) == AssetAll(a, b)
    assert (a & b & c) == AssetAll(a, b, c)
    assert (a | b | c) == AssetAny(a, b, c)
    mixed = a | (b & c)
    assert mixed == AssetAny(a, AssetAll(b, c))
    assert describe(mixed.encode()) == "a | (b & c)"
    assert list(mixed.iter_assets()) == [a, b, c]
    with pytest.raises(TypeError, match="takes assets, aliases or conditions"):
        AssetAll(a, "b")


def test_schedule_values_become_a_condition():
    a, b = Asset("a"), Asset("b")
    assert as_condition([a, b]) == AssetAll(a, b)
    assert as_condition(a) is a
    assert as_condition("@daily") is None and as_condition(None) is None
    with pytest.raises(TypeError, match="mixes assets with '@daily'"):
        as_condition([a, "@daily"], " of DAG 'x'")


def test_asset_or_time_schedule_splits_in_two():
    a, b = Asset("a"), Asset("b")
    both = AssetOrTimeSchedule(timetable="@daily", assets=[a, b])
    time_part, condition = split_schedule(both)
    assert time_part == "@daily" and condition == AssetAll(a, b).encode()
    assert split_schedule("@hourly") == ("@hourly", None)
    assert split_schedule(a | b) == (None, (a | b).encode())
    with pytest.raises(TypeError, match="needs an asset"):
        AssetOrTimeSchedule(timetable="@daily", assets="a")
    summary = schedule_summary({"schedule": {"summary": "@daily"}, "asset_condition": condition})
    assert summary == "Asset: a & b or @daily"
    assert schedule_summary({"schedule": None, "asset_condition": None}) == "None"


def test_refs_and_aliases():
    assert Asset.ref(name="orders") == AssetNameRef("orders")
    assert Asset.ref(uri="s3://x").encode() == {"kind": "uri_ref", "uri": "s3://x"}
    assert isinstance(Asset.ref(uri="s3://x"), AssetUriRef)
    with pytest.raises(TypeError, match="not both"):
        Asset.ref(name="a", uri="b")
    assert AssetAlias("x").encode() == {"kind": "alias", "name": "x", "group": "asset"}


def test_metadata_checks_its_arguments():
    meta = Metadata(Asset("a"), {"rows": 1}, alias=AssetAlias("x"))
    assert (meta.asset, meta.extra, meta.alias) == (Asset("a"), {"rows": 1}, AssetAlias("x"))
    with pytest.raises(TypeError, match="needs an Asset"):
        Metadata("a")


def test_inlets_and_outlets_on_operators_and_tasks():
    from slipstream.operators.bash import BashOperator

    orders = Asset("s3://shop/orders")
    with DAG("lineage", schedule=[orders]) as dag:
        bash = BashOperator(task_id="b", bash_command=":", outlets=orders, inlets=[AssetAlias("x"), "not an asset"])

        @task(outlets=[orders])
        def produce():
            pass

        produce()
    assert bash.outlets == [orders] and bash.inlets == [AssetAlias("x"), "not an asset"]
    assert dag.get_task("produce").outlets == [orders]
    assert encode_all(bash.inlets) == [AssetAlias("x").encode()]


def test_a_watcher_is_kept_with_its_asset_and_warns_it_never_fires():
    trigger = FileDeleteTrigger(filepath="/tmp/flag")
    with pytest.warns(AssetArgumentWarning, match=r"Asset 'orders': watcher\(s\) 'on_flag' will never fire") as caught:
        orders = Asset("orders", watchers=[AssetWatcher(name="on_flag", trigger=trigger)])
    assert caught[0].filename == __file__
    assert orders.watchers == [AssetWatcher("on_flag", trigger)] and orders.watchers[0].trigger is trigger
    assert orders.encode()["watchers"] == [{"name": "on_flag", "trigger": {
        "classpath": "airflow.providers.standard.triggers.file.FileDeleteTrigger",
        "kwargs": {"filepath": "/tmp/flag", "poke_interval": 5.0}}}]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain = Asset("orders")
    assert plain.watchers == [] and "watchers" not in plain.encode()


def test_access_control_is_kept_and_warns_it_is_not_enforced():
    control = AssetAccessControl(producer_teams=["analytics"], allow_global=False)
    assert (control.producer_teams, control.consumer_teams, control.allow_global) == (["analytics"], None, False)
    with pytest.warns(AssetArgumentWarning, match="access_control has no effect in Slipstream"):
        shared = Asset(name="shared", uri="s3://lake/shared.csv", access_control=control)
    assert shared.access_control == control
    assert shared.encode()["access_control"] == {
        "producer_teams": ["analytics"], "consumer_teams": None, "allow_global": False}
    assert Asset("plain").access_control == AssetAccessControl() and "access_control" not in Asset("p").encode()


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: AssetWatcher("w", trigger=None), TypeError, "trigger must be an event trigger"),
        (lambda: AssetWatcher("", trigger=FileDeleteTrigger("/x")), ValueError, "name must be a non-empty string"),
        (lambda: Asset("a", watchers=["w"]), TypeError, "watchers must hold AssetWatcher"),
        (lambda: AssetAccessControl(producer_teams="team"), TypeError, "list of team names"),
        (lambda: AssetAccessControl(consumer_teams=[" "]), ValueError, "non-empty string"),
        (lambda: AssetAccessControl(allow_global="no"), TypeError, "True or False"),
        (lambda: Asset("a", access_control=object()), TypeError, "needs an AssetAccessControl"),
    ],
)
def test_bad_watchers_and_access_control_say_what_is_wrong(build, error, message):
    with pytest.raises(error, match=message):
        build()
