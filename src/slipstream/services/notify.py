"""How a process without the scheduler in it (``slipstream api-server``, a CLI command) tells a
running scheduler that something changed, so it acts at once rather than at its next poll
(``[scheduler] poll_interval``): PostgreSQL NOTIFY, or a datagram to the local socket of a SQLite
store (store/wakeups.py; the scheduler's side is scheduler/wakeups.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slipstream.config import Settings
from slipstream.store import wakeups

log = logging.getLogger("slipstream.services")


def notifier_for(settings: Settings, db: Any) -> Callable[[str], None]:
    """A ``notify(reason)`` that never fails its caller: the change is in the store already, and
    a scheduler that misses the wake-up finds it at its next poll."""

    def notify(reason: str) -> None:
        try:
            wakeups.send(db, reason)
        except Exception as err:
            log.debug("Could not wake the scheduler (%s): it finds the change at its next poll", err)

    return notify
