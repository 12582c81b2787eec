"""Runs of partitioned asset-scheduled DAGs (``PartitionedAssetTimetable``): one per downstream
partition key, once the DAG's asset condition holds for that key.

``plan`` is the pure planner. For a pending partition, an asset holds when an event of it fed
the partition, except under a rollup mapper (``RollupMapper``), where it holds when the wait
policy is satisfied by the upstream keys that arrived among those the window lists. The
condition (``AssetAll``/``AssetAny``) is then evaluated as for other asset-triggered runs. The
run's ``partition_date`` is the moment the key stands for, when the mappers that read it as a
time agree (a key passed through ``IdentityMapper`` keeps the producing run's date).
``create_partitioned_runs`` reads the pending partitions, plans, and creates each run in a
transaction that claims its partition (compare-and-set) and links the run to its events.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from slipstream.config import Settings
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.scheduler.asset_triggers import asset_run_id, condition_holds
from slipstream.scheduler.triggering import task_specs
from slipstream.sdk.partition_rollups import RollupMapper
from slipstream.store import dag_runs, dags, partitions
from slipstream.store.db import Database
from slipstream.store.partitions import PendingPartition, fingerprint
from slipstream.store.states import DagRunType
from slipstream.timetables.partitioned_assets import mapper_for, mapper_json_for

log = logging.getLogger("slipstream.scheduler")


class _PassResult(Protocol):
    changed: int


@dataclass(frozen=True)
class PartitionRun:
    """A run to create: for which pending partition, with which partition date."""

    pending: PendingPartition
    partition_date: datetime | None


def _asset_holds(partitioned: Mapping[str, Any], pending: PendingPartition, asset: tuple[str, str],
                 unreachable: set[tuple[str, str, str]]) -> bool:
    mapper = mapper_for(partitioned, *asset)
    if not isinstance(mapper, RollupMapper):
        return True
    expected = mapper.to_upstream(pending.partition_key)
    answer = mapper.wait_policy.is_satisfied_by_keys(matched=pending.arrived[asset], expected=expected)
    if answer.unreachable_reason is not None and (pending.dag_id, *asset) not in unreachable:
        unreachable.add((pending.dag_id, *asset))
        log.warning("The partitions of asset %s can never start a run of DAG %s: %s", asset[0], pending.dag_id,
                    answer.unreachable_reason)
    return answer.satisfied


def _partition_date(partitioned: Mapping[str, Any], pending: PendingPartition) -> datetime | None:
    anchors: set[datetime] = set()
    for asset in pending.arrived:
        anchor = mapper_for(partitioned, *asset).to_partition_date(pending.partition_key)
        if anchor is not None:
            anchors.add(anchor)
    if not anchors:
        return pending.carried_date
    if len(anchors) > 1:
        log.warning("The mappers of DAG %s read partition %r as different times (%s): its run gets no partition_date",
                    pending.dag_id, pending.partition_key, ", ".join(sorted(a.isoformat() for a in anchors)))
        return None
    return anchors.pop()


def stale(
    pending: Sequence[PendingPartition],
    schedules: Mapping[str, tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
) -> list[PendingPartition]:
    """The pending partitions fed under a mapper the DAG no longer has (its file changed the mapper
    or the window since): Airflow drops them rather than run on partial or mismatched keys."""
    found = []
    for item in pending:
        condition, partitioned = schedules.get(item.dag_id, (None, None))
        if condition is None or not partitioned or "default" not in partitioned:
            continue
        current = {asset: fingerprint(mapper_json_for(partitioned, *asset)) for asset in item.mappers}
        if any(digests != {current[asset]} for asset, digests in item.mappers.items()):
            found.append(item)
    return found


def plan(
    pending: Sequence[PendingPartition],
    schedules: Mapping[str, tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]],
    unreachable: set[tuple[str, str, str]] | None = None,
) -> list[PartitionRun]:
    """The pending partitions whose DAG's condition holds, oldest first. ``schedules`` gives each
    DAG's (asset condition, ``partitioned`` entry) from its serialized form; a DAG that is no
    longer partitioned, or whose mapper fails on a key, gets no run (the failure is logged)."""
    unreachable = set() if unreachable is None else unreachable
    runs: list[PartitionRun] = []
    for item in pending:
        condition, partitioned = schedules.get(item.dag_id, (None, None))
        if condition is None or not partitioned or "default" not in partitioned:
            continue
        try:
            holding = {asset for asset in item.arrived if _asset_holds(partitioned, item, asset, unreachable)}
            if condition_holds(condition, holding, {}):
                runs.append(PartitionRun(item, _partition_date(partitioned, item)))
        except Exception as err:
            log.warning("Partition %r of DAG %s cannot be evaluated (its partition mapper fails on it): %s",
                        item.partition_key, item.dag_id, err)
    return runs


class PartitionedRunCreator:
    """Creates the runs of pending partitions, a page of them per pass (the next page on the next
    pass, round the pending partitions), and only when something changed since they were last
    found waiting; remembers which unreachable rollups it warned about."""

    def __init__(self, settings: Settings, db: Database, page_size: int = partitions.PENDING_PER_PASS) -> None:
        self.settings, self.db, self.page_size = settings, db, page_size
        self.unreachable: set[tuple[str, str, str]] = set()
        self._after_id = 0
        self._unchanged_since: tuple[Any, ...] | None = None

    def create(self, now: datetime, result: _PassResult) -> list[Any]:
        if not self.settings.use_job_schedule:
            return []
        with self.db.read() as session:
            if not partitions.any_pending(session):
                return []
            mark = partitions.change_mark(session)
            if mark == self._unchanged_since and self._after_id == 0:
                return []
            pending = partitions.pending(session, limit=self.page_size, after_id=self._after_id)
            rows = {dag_id: dags.get_serialized(session, dag_id) for dag_id in {p.dag_id for p in pending}}
        # A full page: the next pass goes on after it; otherwise the next pass starts over.
        self._after_id = pending[-1].id if len(pending) == self.page_size else 0
        schedules = {d: (row.data.get("asset_condition"), row.data.get("partitioned")) for d, row in rows.items()
                     if row is not None}
        outdated = stale(pending, schedules)
        if outdated:
            with self.db.write() as session:
                dropped = partitions.drop(session, [p.id for p in outdated])
            log.info("Dropped %d pending partition(s) of %s: their DAG's partition mapper changed since their keys "
                     "arrived", dropped, ", ".join(sorted({p.dag_id for p in outdated})))
            dropped_ids = {p.id for p in outdated}
            pending = [p for p in pending if p.id not in dropped_ids]
        created: list[Any] = []
        for decided in plan(pending, schedules, self.unreachable):
            row = rows[decided.pending.dag_id]
            dag = SerializedDag(row.data, row.dag_hash)
            try:
                with self.db.write() as session:
                    run = dag_runs.create(
                        session, dag_id=dag.dag_id, run_id=asset_run_id(now), run_type=DagRunType.ASSET_TRIGGERED,
                        tasks=task_specs(dag), now=now, dag_hash=dag.dag_hash,
                        partition_key=decided.pending.partition_key, partition_date=decided.partition_date,
                    )
                    count = partitions.claim(session, decided.pending.id, run.id)
            except partitions.PartitionClaimed as err:
                log.info("No run for partition %r of %s: %s", decided.pending.partition_key, dag.dag_id, err)
                continue
            log.info("DAG run %s %s created for partition %r, from %s asset event(s)", dag.dag_id, run.run_id,
                     run.partition_key, count)
            created.append(run)
        # Nothing was created and every pending partition was looked at: wait for a change.
        self._unchanged_since = mark if not created and self._after_id == 0 else None
        result.changed += len(created)
        return created
