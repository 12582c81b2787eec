"""``/api/v2/monitor/health`` and ``/api/v2/version``: the two answers given without a token."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from pydantic import BaseModel

import slipstream
from slipstream.api.security import service_context
from slipstream.services import monitor

router = APIRouter(prefix="/api/v2", tags=["Monitor"])


class BaseInfoResponse(BaseModel):
    status: str | None


class SchedulerInfoResponse(BaseModel):
    status: str | None
    latest_scheduler_heartbeat: str | None


class TriggererInfoResponse(BaseModel):
    status: str | None
    latest_triggerer_heartbeat: str | None


class DagProcessorInfoResponse(BaseModel):
    status: str | None
    latest_dag_processor_heartbeat: str | None


class HealthInfoResponse(BaseModel):
    metadatabase: BaseInfoResponse
    scheduler: SchedulerInfoResponse
    triggerer: TriggererInfoResponse
    dag_processor: DagProcessorInfoResponse | None = None


class VersionInfo(BaseModel):
    version: str
    git_version: str | None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


@router.get("/monitor/health", tags=["Monitor"])
def get_health(request: Request) -> HealthInfoResponse:
    """The store's and the scheduler's health. Slipstream has no triggerer and parses DAG files
    inside the scheduler, so those two report no status of their own."""
    state = monitor.health(service_context(request))
    return HealthInfoResponse(
        metadatabase=BaseInfoResponse(status=state.metadatabase),
        scheduler=SchedulerInfoResponse(status=state.scheduler,
                                        latest_scheduler_heartbeat=_iso(state.latest_scheduler_heartbeat)),
        triggerer=TriggererInfoResponse(status=None, latest_triggerer_heartbeat=None),
        dag_processor=DagProcessorInfoResponse(status=state.scheduler,
                                               latest_dag_processor_heartbeat=_iso(state.latest_scheduler_heartbeat)),
    )


@router.get("/version", tags=["Version"])
def get_version() -> VersionInfo:
    return VersionInfo(version=slipstream.__version__, git_version=None)
