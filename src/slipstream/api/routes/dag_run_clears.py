"""``POST /api/v2/dags/{dag_id}/clearDagRuns`` (clear a list of runs, or the runs of partitions)
and ``POST /api/v2/dags/{dag_id}/clearPartitions`` (forget the partition of runs); the run-level
human-in-the-loop listing of a run, always empty."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field

from slipstream.api.listing import Limit, Offset, utc
from slipstream.api.routes.dag_run_bulk import BulkDAGRunBody
from slipstream.api.routes.dag_runs import DAGRunCollectionResponse, dag_run_response
from slipstream.api.security import OPERATE, READ, service_context
from slipstream.api.task_instance_models import TaskInstanceCollectionResponse, TaskInstanceResponse
from slipstream.services import dag_runs, run_actions, run_batches
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest

router = APIRouter(prefix="/api/v2/dags/{dag_id}", tags=["DagRun"])

Ctx = Annotated[ServiceContext, Depends(service_context)]


class BulkDAGRunClearBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partition_key: str | None = None
    partition_date_start: datetime | None = None
    partition_date_end: datetime | None = None
    dry_run: bool = True
    only_failed: bool = False
    only_new: bool = False
    run_on_latest_version: bool | None = None
    note: str | None = Field(default=None, max_length=1000)
    dag_runs: list[BulkDAGRunBody] = []


def _runs_named(dag_id: str, body: BulkDAGRunClearBody) -> list[tuple[str, str]]:
    runs = []
    for run in body.dag_runs:
        run_dag = run.dag_id or dag_id
        if run_dag == dag_runs.ALL_DAGS:
            raise InvalidRequest(f"Give the dag_id of run {run.dag_run_id!r}: the path's dag_id is ~")
        if dag_id != dag_runs.ALL_DAGS and run_dag != dag_id:
            raise InvalidRequest(f"Run {run.dag_run_id!r} names DAG {run_dag!r}, not the path's {dag_id!r}")
        runs.append((run_dag, run.dag_run_id))
    return runs


@router.post("/clearDagRuns", dependencies=[OPERATE])
def clear_dag_runs(
    dag_id: str, body: BulkDAGRunClearBody, ctx: Ctx,
) -> TaskInstanceCollectionResponse | DAGRunCollectionResponse:
    """Clear the runs listed in ``dag_runs`` or, without a list, the runs of a partition key or a
    window of partition dates. A dry run (the default) lists the task instances it would clear."""
    selector = run_batches.PartitionSelector(partition_key=body.partition_key,
                                             start=utc(body.partition_date_start), end=utc(body.partition_date_end))
    if not body.dag_runs and selector.given:
        if dag_id == dag_runs.ALL_DAGS:
            raise InvalidRequest("Selecting runs by partition needs a DAG: the path's dag_id cannot be ~")
        runs = [(dag_id, run_id) for run_id in run_batches.partition_run_ids(ctx, dag_id, selector)]
    else:
        runs = _runs_named(dag_id, body)
    note = body.note if "note" in body.model_fields_set else run_actions.UNSET
    results = run_batches.clear_runs(ctx, runs, only_failed=body.only_failed, dry_run=body.dry_run,
                                     only_new=body.only_new, note=note)
    if body.dry_run:
        tis = [TaskInstanceResponse.of(ti) for result in results for ti in result.task_instances]
        return TaskInstanceCollectionResponse(task_instances=tis, total_entries=len(tis))
    return DAGRunCollectionResponse(dag_runs=[dag_run_response(r.run) for r in results], total_entries=len(results))


class ClearPartitionsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partition_key: str | None = None
    partition_date_start: datetime | None = None
    partition_date_end: datetime | None = None
    run_id: str | None = None
    clear_task_instances: bool = False
    dry_run: bool = True


class ClearPartitionsResponse(BaseModel):
    dag_runs_cleared: int
    task_instances_cleared: int
    dry_run: bool


@router.post("/clearPartitions", dependencies=[OPERATE])
def clear_dag_run_partitions(dag_id: str, body: ClearPartitionsBody, ctx: Ctx) -> ClearPartitionsResponse:
    """Forget the partition key and date of the runs one selector picks (a run id, a partition
    key, or a window of partition dates), and with ``clear_task_instances`` clear their task
    instances. A dry run (the default) only counts."""
    selector = run_batches.PartitionSelector(run_id=body.run_id, partition_key=body.partition_key,
                                             start=utc(body.partition_date_start), end=utc(body.partition_date_end))
    done = run_batches.reset_partitions(ctx, dag_id, selector, clear_task_instances=body.clear_task_instances,
                                        dry_run=body.dry_run)
    return ClearPartitionsResponse(dag_runs_cleared=done.dag_runs, task_instances_cleared=done.task_instances,
                                   dry_run=body.dry_run)


class HITLDetailCollection(BaseModel):
    hitl_details: list[dict[str, Any]]
    total_entries: int


@router.get("/dagRuns/{dag_run_id}/hitlDetails", dependencies=[READ], tags=["HumanInTheLoop"])
def get_hitl_details(dag_id: str, dag_run_id: str, ctx: Ctx,
                     limit: Limit = 50, offset: Offset = 0,
                     ) -> HITLDetailCollection:
    """Always empty: Slipstream has no human-in-the-loop operators, so no task waits for a person."""
    dag_runs.get_run(ctx, dag_id, dag_run_id)
    return HITLDetailCollection(hitl_details=[], total_entries=0)
