"""Several runs at once: clearing a list of runs or the runs of partitions (Airflow's
``clearDagRuns``), and forgetting the partition of runs (``clearPartitions``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.services import clearing
from slipstream.services.context import ServiceContext
from slipstream.services.dag_runs import dag_not_found, get_run
from slipstream.services.errors import InvalidRequest
from slipstream.services.run_actions import UNSET, RunCleared, clear_run
from slipstream.store import dag_runs, run_listing
from slipstream.store import dags as dag_store


@dataclass(frozen=True)
class PartitionSelector:
    """Which runs of a DAG: by run id, else by partition key, else by a window of partition dates."""

    run_id: str | None = None
    partition_key: str | None = None
    start: datetime | None = None
    end: datetime | None = None

    @property
    def given(self) -> bool:
        return any(v is not None for v in (self.run_id, self.partition_key, self.start, self.end))

    def check(self) -> None:
        families = [self.run_id is not None, self.partition_key is not None,
                    self.start is not None or self.end is not None]
        if sum(families) != 1:
            raise InvalidRequest("Select runs with exactly one of: a run id, a partition key, or a partition date "
                                 "window (partition_date_start and/or partition_date_end)")


def _partition_rows(ctx: ServiceContext, dag_id: str, selector: PartitionSelector) -> list[Any]:
    selector.check()
    with ctx.db.read() as session:
        if dag_store.get_dag(session, dag_id) is None:
            raise dag_not_found(dag_id)
        return run_listing.partition_runs(session, dag_id, run_id=selector.run_id,
                                          partition_key=selector.partition_key, start=selector.start, end=selector.end)


def partition_run_ids(ctx: ServiceContext, dag_id: str, selector: PartitionSelector) -> list[str]:
    return [row.run_id for row in _partition_rows(ctx, dag_id, selector)]


def clear_runs(
    ctx: ServiceContext, runs: Sequence[tuple[str, str]], *, only_failed: bool = False, dry_run: bool = False,
    only_new: bool = False, note: str | None = UNSET,
) -> list[RunCleared]:
    """``clear_run`` for each (dag_id, run_id), in order, once every run is known to exist (an
    unknown one is NotFound and nothing is cleared)."""
    unique = list(dict.fromkeys(runs))
    for dag_id, run_id in unique:
        get_run(ctx, dag_id, run_id)
    return [clear_run(ctx, dag_id, run_id, only_failed=only_failed, dry_run=dry_run, only_new=only_new, note=note)
            for dag_id, run_id in unique]


@dataclass(frozen=True)
class PartitionsReset:
    dag_runs: int
    task_instances: int


def reset_partitions(
    ctx: ServiceContext, dag_id: str, selector: PartitionSelector, *, clear_task_instances: bool = False,
    dry_run: bool = True,
) -> PartitionsReset:
    """Forget the partition key and date of the runs ``selector`` picks (runs that have none are
    left out, unless their task instances are cleared too) and, with ``clear_task_instances``,
    clear their task instances so they run again."""
    rows = _partition_rows(ctx, dag_id, selector)
    with_partition = [r for r in rows if r.partition_key is not None or r.partition_date is not None]
    matched = rows if clear_task_instances else with_partition
    task_instances = 0
    if clear_task_instances:
        for row in matched:
            result = clearing.clear_task_instances(ctx, dag_id, clearing.ClearRequest(run_id=row.run_id,
                                                                                      dry_run=dry_run))
            task_instances += len(result.task_instances) if dry_run else result.cleared
    if not dry_run:
        with ctx.db.write() as session:
            dag_runs.reset_partitions(session, [r.id for r in with_partition])
    return PartitionsReset(dag_runs=len(matched), task_instances=task_instances)
