"""The store's task instance states are the authoring side's, spelled the same, plus ``none``."""

from __future__ import annotations

from slipstream.sdk import state as authoring
from slipstream.store import states as stored


def test_every_stored_state_is_an_authoring_state_or_none() -> None:
    # Two enums because the authoring side may not import the store; this keeps them one vocabulary.
    for member in stored.TaskInstanceState:
        if member is stored.TaskInstanceState.NONE:
            continue
        assert authoring.TaskInstanceState[member.name] == member.value
    not_stored = {m.name for m in authoring.TaskInstanceState} - {m.name for m in stored.TaskInstanceState}
    assert not_stored == {"RESTARTING", "DEFERRED"}  # states Slipstream never writes (no triggerer)
    assert stored.DagRunState is authoring.DagRunState and stored.DagRunType is authoring.DagRunType
