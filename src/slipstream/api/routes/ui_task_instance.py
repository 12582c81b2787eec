"""Slipstream's own ``/ui/...`` endpoint for the task instance page: a mapped task's instances
counted by state in one run (for the summary above the table of its instances)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import Field

from slipstream.api.security import READ, service_context
from slipstream.api.ui_models import FromService
from slipstream.services import mapped_summary

router = APIRouter(prefix="/ui", tags=["UI"], dependencies=[READ])


class MappedSummaryResponse(FromService):
    dag_id: str
    run_id: str
    task_id: str
    total: int = Field(description="Mapped instances (map index 0 and up) of the task in the run")
    counts: dict[str, int] = Field(description="Instances by state ('none': no state yet), the states that matter "
                                   "most (failed, running...) first")


@router.get("/mapped/{dag_id}/{run_id}/{task_id}")
def get_mapped_summary(dag_id: str, run_id: str, task_id: str, request: Request) -> MappedSummaryResponse:
    """How many instances a mapped task has in a run, by state: one grouped count on an index."""
    found = mapped_summary.mapped_summary(service_context(request), dag_id, run_id, task_id)
    return MappedSummaryResponse.model_validate(found)
