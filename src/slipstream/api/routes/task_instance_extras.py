"""Task instance endpoints of Airflow 3 that Slipstream cannot serve: each answers 501 naming the
missing feature (never a silent success)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body

from slipstream.api.security import OPERATE, READ
from slipstream.services.errors import Unsupported

router = APIRouter(prefix="/api/v2", tags=["Task Instance"])
TIS = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances"
HITL = ("Human-in-the-loop tasks are not supported: Slipstream has no HITL operators, so no task instance has "
        "HITL details")


@router.get(TIS + "/{task_id}/links", dependencies=[READ], tags=["Extra Links"])
def get_extra_links(dag_id: str, dag_run_id: str, task_id: str, map_index: int = -1,
                    try_number: int | None = None) -> Any:
    raise Unsupported("Operator extra links are not supported: Slipstream does not record them when a task runs, "
                      "and the API never loads DAG code to compute them")


@router.delete(TIS + "/{task_id}", dependencies=[OPERATE])
def delete_task_instance(dag_id: str, dag_run_id: str, task_id: str, map_index: int = -1) -> Any:
    raise Unsupported("Deleting a task instance is not supported: the scheduler expects every task of a run to "
                      "have its instances; clear it (POST /api/v2/dags/{dag_id}/clearTaskInstances) or set its "
                      "state (PATCH) instead")


@router.get(TIS + "/{task_id}/{map_index:int}/hitlDetails", dependencies=[READ], tags=["HumanInTheLoop"])
def get_hitl_detail(dag_id: str, dag_run_id: str, task_id: str, map_index: int) -> Any:
    raise Unsupported(HITL)


@router.patch(TIS + "/{task_id}/{map_index:int}/hitlDetails", dependencies=[OPERATE], tags=["HumanInTheLoop"])
def update_hitl_detail(dag_id: str, dag_run_id: str, task_id: str, map_index: int,
                       body: dict[str, Any] = Body(...)) -> Any:
    raise Unsupported(HITL)


@router.get(TIS + "/{task_id}/{map_index:int}/hitlDetails/tries/{try_number}", dependencies=[READ],
            tags=["HumanInTheLoop"])
def get_hitl_detail_try_detail(dag_id: str, dag_run_id: str, task_id: str, map_index: int, try_number: int) -> Any:
    raise Unsupported(HITL)
