"""Creating a manual DAG run: check the DAG and its params, then write the run and its tasks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from slipstream.dagfiles.serialization import SerializedDag
from slipstream.store import dag_runs, dags
from slipstream.store.db import Database
from slipstream.store.models import DagRunRow
from slipstream.store.states import DagRunType
from slipstream.store.types import utcnow


class DagNotFound(LookupError):
    """No DAG with this id has been loaded."""


def load_serialized(db: Database, dag_id: str) -> SerializedDag:
    with db.read() as session:
        row = dags.get_serialized(session, dag_id)
        active = dags.get_dag(session, dag_id)
    if row is None or active is None or not active.is_active:
        raise DagNotFound(
            f"DAG {dag_id!r} not found: no DAG file in the dags folder defines it, or its file failed to load "
            "(see `slipstream dags list-import-errors`)"
        )
    return SerializedDag(row.data, row.dag_hash)


def task_specs(dag: SerializedDag) -> list[dag_runs.TaskSpec]:
    return [
        dag_runs.TaskSpec(
            task_id=t.task_id, operator=t.operator, max_tries=t.retries, pool=t.pool, pool_slots=t.pool_slots,
            queue=t.queue, priority_weight=t.data.get("priority_weight_total", t.priority_weight),
        )
        for t in dag.tasks.values()
    ]


def trigger_dag(
    db: Database,
    dag_id: str,
    *,
    run_id: str | None = None,
    conf: Mapping[str, Any] | None = None,
    logical_date: datetime | None = None,
    now: datetime | None = None,
) -> DagRunRow:
    """Queue a manual run. Params are checked against ``conf`` first: a bad value creates nothing."""
    now = now or utcnow()
    dag = load_serialized(db, dag_id)
    if conf is not None and not isinstance(conf, Mapping):
        raise ValueError(f"conf must be a JSON object, got {type(conf).__name__}")
    dag.params.resolve(dict(conf or {}))
    logical_date = logical_date or now
    run_id = run_id or f"manual__{logical_date.isoformat()}"
    with db.write() as session:
        return dag_runs.create(
            session,
            dag_id=dag_id,
            run_id=run_id,
            run_type=DagRunType.MANUAL,
            tasks=task_specs(dag),
            now=now,
            logical_date=logical_date,
            data_interval=(logical_date, logical_date),
            conf=dict(conf or {}),
            dag_hash=dag.dag_hash,
        )
