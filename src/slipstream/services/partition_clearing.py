"""Airflow's ``partitions clear``: a DAG's runs lose their partition key and date (chosen by run
id, exact key, or a range of partition dates), and optionally run again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from slipstream.services import run_actions
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest
from slipstream.store import run_partitions


@dataclass(frozen=True)
class ClearedPartition:
    run_id: str
    state: str
    partition_key: str | None
    partition_date: datetime | None


def clear_partitions(
    ctx: ServiceContext, dag_id: str, *, run_id: str | None = None, partition_key: str | None = None,
    start: datetime | None = None, end: datetime | None = None, clear_task_instances: bool = False,
    dry_run: bool = False,
) -> list[ClearedPartition]:
    if run_id is None and partition_key is None and start is None and end is None:
        raise InvalidRequest("Say which runs: a run id, a partition key, or a range of partition dates")
    if start is not None and end is not None and start > end:
        raise InvalidRequest(f"The start date {start.isoformat()} is after the end date {end.isoformat()}")
    with ctx.db.read() as session:
        rows = run_partitions.matching(session, dag_id, run_id=run_id, partition_key=partition_key, start=start,
                                       end=end)
    found = [ClearedPartition(r.run_id, r.state, r.partition_key, r.partition_date) for r in rows]
    if dry_run or not rows:
        return found
    with ctx.db.write() as session:
        run_partitions.forget(session, [r.id for r in rows])
    if clear_task_instances:
        for row in rows:
            run_actions.clear_run(ctx, dag_id, row.run_id)
    return found
