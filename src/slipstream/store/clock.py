"""The store's clock: aware UTC datetimes (no database access: task processes use it)."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
