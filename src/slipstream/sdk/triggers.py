"""``airflow.triggers.base``: importable so that provider modules defining triggers load.

Slipstream has no triggerer; a trigger class can be defined (providers subclass these at
import), but making one, which only a deferring task does, raises ``UnsupportedFeatureError``.
``BaseEventTrigger`` (what an ``AssetWatcher`` holds) can be made: see ``sdk/event_triggers.py``."""

from __future__ import annotations

from slipstream.sdk.event_triggers import BaseEventTrigger
from slipstream.sdk.unsupported import unsupported_class

_FEATURE = "deferrable operators (triggers)"
_WHY = "there is no triggerer; run the operator with deferrable=False"

BaseTrigger = unsupported_class("BaseTrigger", _FEATURE, _WHY)
TriggerEvent = unsupported_class("TriggerEvent", _FEATURE, _WHY)

__all__ = ["BaseEventTrigger", "BaseTrigger", "TriggerEvent"]
