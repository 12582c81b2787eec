"""What the UI's own ``/ui/...`` routes share: models read from the services' dataclasses, a
run as the UI's lists show it, and answering a model's JSON as is."""

from __future__ import annotations

from datetime import datetime

from fastapi import Response
from pydantic import BaseModel, ConfigDict, Field


class FromService(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class RunSummaryResponse(FromService):
    run_id: str
    run_type: str
    state: str
    logical_date: datetime | None = None
    queued_at: datetime | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = Field(None, description="Seconds from start to end, once the run has ended")


def json_response(model: BaseModel, *, exclude_none: bool = False) -> Response:
    """The model's JSON as is: FastAPI would dump, validate and dump again an answer of 25,000 cells."""
    return Response(model.model_dump_json(exclude_none=exclude_none), media_type="application/json")
