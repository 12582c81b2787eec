"""The partition keys of the events a try records: the run's key, or those a task adds."""

from __future__ import annotations

import pytest

from slipstream.runner.asset_events import OutletEventAccessors, collect
from slipstream.sdk import Asset, AssetAlias

SALES, ALIAS = Asset(name="sales", uri="file://sales.csv"), AssetAlias("exports")


class Task:
    outlets = [SALES, ALIAS]


def test_events_carry_the_runs_partition_key_unless_the_task_adds_partitions():
    events = OutletEventAccessors(None, partition_key="2024-03-13T05:00:00")
    events[ALIAS].add(Asset(name="export", uri="file://export.csv"))
    assert [(e["asset"]["name"], e["partition_key"]) for e in collect(Task(), events)] == [
        ("sales", "2024-03-13T05:00:00"), ("export", "2024-03-13T05:00:00"),
    ]
    events[SALES].add_partitions("us")
    events[SALES].add_partitions(["eu", "us"])
    events[SALES].extra = {"rows": 3}
    found = collect(Task(), events)
    assert [(e["partition_key"], e["extra"]) for e in found if e["alias"] is None] == [
        ("eu", {"rows": 3}), ("us", {"rows": 3}),
    ]
    assert [e["partition_key"] for e in collect(Task(), OutletEventAccessors(None))] == [None]


def test_bad_partition_keys_are_refused_where_the_task_adds_them():
    events = OutletEventAccessors(None)
    with pytest.raises(ValueError, match="non-empty string, got '  '"):
        events[SALES].add_partitions("  ")
    with pytest.raises(ValueError, match="at most 250 characters, got 251"):
        events[SALES].add_partitions("x" * 251)
    with pytest.raises(TypeError, match="not on an alias's"):
        events[ALIAS].add_partitions("us")
