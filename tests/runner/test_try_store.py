"""The TryStore surface is one list of calls: the channel, the store service and the direct
store all answer exactly those."""

from __future__ import annotations

import inspect

from slipstream.runner import direct_store
from slipstream.runner.direct_store import DirectTryStore, serve_request
from slipstream.runner.try_store import CALLS, ChannelTryStore, TryStore


def _protocol_methods() -> set[str]:
    return {name for name, member in vars(TryStore).items() if inspect.isfunction(member) and not name.startswith("_")}


def test_every_call_is_in_the_protocol_the_channel_and_the_direct_store() -> None:
    assert set(CALLS) == _protocol_methods()
    for name in CALLS:
        assert callable(getattr(ChannelTryStore, name)), name
        assert callable(getattr(DirectTryStore, name)), name
        protocol = inspect.signature(getattr(TryStore, name)).parameters
        direct = inspect.signature(getattr(DirectTryStore, name)).parameters
        assert set(protocol) == set(direct), f"{name}: {sorted(protocol)} != {sorted(direct)}"
    assert direct_store._CALLS == frozenset(CALLS)


def test_the_store_service_refuses_a_call_outside_the_surface(db) -> None:
    assert serve_request(DirectTryStore(db), ("heartbeat_many", {"tries": []})) == (
        "error", "unknown call 'heartbeat_many'",
    )
    status, value = serve_request(
        DirectTryStore(db),
        ("xcom_pull_all", {"dag_id": "d", "run_id": "r", "task_id": "t", "name": "return_value"}),
    )
    assert (status, value) == ("ok", [])
