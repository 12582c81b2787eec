"""Event triggers: made and kept for asset watchers, never run; deferring to one is still refused."""

from __future__ import annotations

from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.sdk import event_triggers
from slipstream.sdk.exceptions import TaskDeferred


def test_airflow_paths_give_constructible_triggers_that_keep_their_arguments() -> None:
    with airflow_imports():
        from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger, FileDeleteTrigger
        from airflow.triggers.base import BaseEventTrigger
    assert BaseEventTrigger is event_triggers.BaseEventTrigger
    single = FileDeleteTrigger(filepath="/data/in.csv", poke_interval=2.0)
    assert (single.filepath, single.poke_interval) == ("/data/in.csv", 2.0)
    assert single.serialize() == ("airflow.providers.standard.triggers.file.FileDeleteTrigger",
                                  {"filepath": "/data/in.csv", "poke_interval": 2.0})
    in_dir = DirectoryFileDeleteTrigger(directory="/flags", filename="us.flag")
    assert in_dir.serialize()[1] == {"directory": "/flags", "filename": "us.flag", "poke_interval": 5.0}
    assert isinstance(in_dir, BaseEventTrigger) and "us.flag" in repr(in_dir)


def test_a_custom_event_trigger_keeps_its_keyword_arguments() -> None:
    class QueueTrigger(event_triggers.BaseEventTrigger):
        pass

    trigger = QueueTrigger(queue="orders", timeout=3)
    assert trigger.kwargs == {"queue": "orders", "timeout": 3}
    assert trigger.serialize()[0].endswith("QueueTrigger")


def test_deferring_to_an_event_trigger_is_still_refused() -> None:
    deferred = TaskDeferred(trigger=event_triggers.FileDeleteTrigger("/x"), method_name="done")
    assert "deferred to trigger FileDeleteTrigger" in str(deferred) and "does not support" in str(deferred)
