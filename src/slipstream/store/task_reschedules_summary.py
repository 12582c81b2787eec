"""What a sensor reads of its earlier pokes (no database access: it crosses to task processes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Reschedules:
    """What a sensor needs of its earlier pokes."""

    first_start: datetime | None
    """When the first rescheduled poke of the tries since ``first_try_number`` started."""
    count: int
    """How many times try ``try_number`` was rescheduled (its pokes so far, minus this one)."""
