"""What every service call needs: the settings, the store, and a way to wake the scheduler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from slipstream.config import Settings

if TYPE_CHECKING:
    from slipstream.store.db import Database


def _no_wake(reason: str) -> None:
    return None


@dataclass(frozen=True)
class ServiceContext:
    """``notify(reason)`` tells a running scheduler that something it schedules changed (a run
    was triggered, task instances were cleared) so it acts at once instead of at its next poll;
    ``reason`` is a short word such as ``"dag_run"`` for logs."""

    settings: Settings
    db: Database
    notify: Callable[[str], None] = field(default=_no_wake)
