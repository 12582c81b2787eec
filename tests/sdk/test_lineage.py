"""The hook lineage collector keeps what provider hooks report."""

from __future__ import annotations

from slipstream.sdk.lineage import HookLineageCollector, get_hook_lineage_collector


def test_collects_inputs_outputs_and_extra() -> None:
    collector = HookLineageCollector()
    assert not collector.has_collected
    hook = object()
    collector.add_input_asset(hook, uri="file:///in.csv")
    collector.add_output_asset(hook, scheme="sqlite", name="table")
    collector.add_extra(hook, "rows", 3)
    found = collector.collected_assets
    assert collector.has_collected
    assert found.inputs == [({"scheme": None, "uri": "file:///in.csv", "name": None}, hook)]
    assert found.outputs == [({"scheme": "sqlite", "uri": None, "name": "table"}, hook)]
    assert found.extra == [("rows", 3, hook)]
    assert get_hook_lineage_collector() is get_hook_lineage_collector()
