"""Is the installation healthy: can the store be reached, does a scheduler beat."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text

from slipstream.services.context import ServiceContext
from slipstream.store import jobs
from slipstream.store.clock import utcnow

HEALTHY, UNHEALTHY = "healthy", "unhealthy"


@dataclass(frozen=True)
class Health:
    metadatabase: str
    scheduler: str | None
    latest_scheduler_heartbeat: datetime | None


def health(ctx: ServiceContext) -> Health:
    """The scheduler is healthy when one has beaten within ``scheduler_health_check_threshold``;
    None when none ever ran on this store. The parser runs inside the scheduler, so it has no
    status of its own."""
    try:
        with ctx.db.read() as session:
            session.execute(text("SELECT 1"))
            running = jobs.running(session)
    except Exception:  # the store is down: say so instead of failing the health check itself
        return Health(metadatabase=UNHEALTHY, scheduler=None, latest_scheduler_heartbeat=None)
    latest = max((row.latest_heartbeat for row in running), default=None)
    if latest is None:
        return Health(metadatabase=HEALTHY, scheduler=UNHEALTHY, latest_scheduler_heartbeat=None)
    limit = timedelta(seconds=ctx.settings.scheduler_health_check_threshold)
    status = HEALTHY if utcnow() - latest <= limit else UNHEALTHY
    return Health(metadatabase=HEALTHY, scheduler=status, latest_scheduler_heartbeat=latest)
