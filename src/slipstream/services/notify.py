"""How a process without the scheduler in it (``slipstream api-server``, a CLI command) tells a
running scheduler that something changed. Until a cross-process wake-up exists the scheduler
finds the change at its next poll (``[scheduler] poll_interval``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slipstream.config import Settings


def notifier_for(settings: Settings, db: Any) -> Callable[[str], None]:
    def notify(reason: str) -> None:
        return None

    return notify
