"""Asset-triggered runs: which DAGs get a run, from their asset condition and their queued events.

``ready_dags`` is the pure planner: a DAG's condition holds when, over the assets queued for
it (updated since its last asset-triggered run), ``AssetAll`` finds every part true and
``AssetAny`` one; an alias is true when one of the assets it resolved to is queued.
``create_asset_triggered_runs`` reads the queue, plans, and creates each run (``queued``, run
type ``asset_triggered``) in a transaction that consumes the DAG's queue and links the run to
its triggering events.
"""

from __future__ import annotations

import logging
import secrets
import string
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Protocol

from slipstream.config import Settings
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.scheduler.triggering import task_specs
from slipstream.store import assets, dag_runs, dags
from slipstream.store.db import Database
from slipstream.store.states import DagRunType

log = logging.getLogger("slipstream.scheduler")

AssetKey = tuple[str, str]


class _PassResult(Protocol):
    changed: int


def condition_holds(
    condition: Mapping[str, Any], queued: set[AssetKey], aliases: Mapping[str, set[AssetKey]]
) -> bool:
    """Whether the serialized condition holds when the assets ``queued`` (name, uri) have events."""
    kind = condition["kind"]
    if kind == "asset":
        return (condition["name"], condition["uri"]) in queued
    if kind == "alias":
        return bool(aliases.get(condition["name"], set()) & queued)
    if kind == "name_ref":
        return any(name == condition["name"] for name, _ in queued)
    if kind == "uri_ref":
        return any(uri == condition["uri"] for _, uri in queued)
    parts = (condition_holds(part, queued, aliases) for part in condition["objects"])
    return all(parts) if kind == "all" else any(parts)


def alias_names(condition: Mapping[str, Any] | None) -> set[str]:
    if condition is None:
        return set()
    if condition["kind"] == "alias":
        return {condition["name"]}
    return {name for part in condition.get("objects", ()) for name in alias_names(part)}


def ready_dags(
    conditions: Mapping[str, Mapping[str, Any] | None],
    queues: Mapping[str, set[AssetKey]],
    aliases: Mapping[str, set[AssetKey]],
) -> tuple[list[str], list[str]]:
    """(DAGs whose condition holds over their queue, DAGs with a queue but no asset condition any
    more, whose queue is dropped)."""
    ready, stale = [], []
    for dag_id in sorted(queues):
        condition = conditions.get(dag_id)
        if condition is None:
            stale.append(dag_id)
        elif condition_holds(condition, queues[dag_id], aliases):
            ready.append(dag_id)
    return ready, stale


def asset_run_id(now: datetime) -> str:
    """Airflow's shape: ``asset_triggered__<time>_<8 random characters>``."""
    suffix = "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(8))
    return f"{DagRunType.ASSET_TRIGGERED.value}__{now.isoformat()}_{suffix}"


def create_asset_triggered_runs(settings: Settings, db: Database, now: datetime, result: _PassResult) -> list[Any]:
    """Create the runs whose asset condition holds (state queued); returns them."""
    if not settings.use_job_schedule:
        return []
    with db.read() as session:
        queue = assets.queued(session)
        if not queue:
            return []
        serialized = {dag_id: dags.get_serialized(session, dag_id) for dag_id in queue}
        # A partitioned DAG's runs come per partition (scheduler/partitioned_runs.py): what it has queued here is dropped.
        conditions = {
            d: (row.data.get("asset_condition") if row is not None and "default" not in (row.data.get("partitioned") or {})
                else None)
            for d, row in serialized.items()
        }
        targets = assets.alias_targets(session, {n for c in conditions.values() for n in alias_names(c)})
    keys = {dag_id: {(row.name, row.uri) for row in rows} for dag_id, rows in queue.items()}
    ready, stale = ready_dags(conditions, keys, targets)
    created: list[Any] = []
    for dag_id in stale:
        with db.write() as session:
            assets.drop_queue(session, dag_id)
    for dag_id in ready:
        row = serialized[dag_id]
        dag = SerializedDag(row.data, row.dag_hash)
        try:
            with db.write() as session:
                run = dag_runs.create(
                    session, dag_id=dag_id, run_id=asset_run_id(now), run_type=DagRunType.ASSET_TRIGGERED,
                    tasks=task_specs(dag), now=now, dag_hash=dag.dag_hash,
                    deadline_alerts=dag.deadline_alerts,
                )
                count = assets.consume(session, dag_id, queue[dag_id], run.id)
        except assets.QueueConsumed as err:
            log.info("No asset-triggered run for %s: %s", dag_id, err)
            continue
        log.info("DAG run %s %s created, triggered by %s asset event(s)", dag_id, run.run_id, count)
        created.append(run)
    result.changed += len(created)
    return created
