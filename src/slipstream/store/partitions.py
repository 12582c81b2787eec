"""Partitioned assets in the store: which downstream partitions of a partitioned DAG events fed,
and the run each one gets.

When a try records an asset event with a partition key, ``queue_event`` maps the key through the
mapper of every partitioned DAG scheduled on the asset (``dag_schedule_asset.partition_mapper``,
written by ``sync_mappers`` when the DAG is parsed) and notes, for each downstream key, the
upstream key that arrived (``partitioned_asset_key_log``) under the downstream partition's
pending row (``asset_partition_dag_run``, one per DAG and key until its run exists). The
scheduler reads the pending partitions (``pending``), decides which hold
(``scheduler/partitioned_runs.py``) and ``claim``s each one for the run it creates,
compare-and-set, linking the run to the events that fed it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from slipstream.sdk.partitions import decode_mapper
from slipstream.store.models import (
    AssetPartitionDagRunRow,
    AssetRow,
    DagRow,
    DagRunAssetEventRow,
    DagRunRow,
    DagScheduleAssetRefRow,
    DagScheduleAssetRow,
    PartitionedAssetKeyLogRow,
    SerializedDagRow,
)
from slipstream.store.upsert import dialect_name
from slipstream.timetables.partitioned_assets import mapper_json_for

log = logging.getLogger("slipstream.assets")

PENDING = AssetPartitionDagRunRow.__table__
KEY_LOG = PartitionedAssetKeyLogRow.__table__
SCHEDULE_ASSETS = DagScheduleAssetRow.__table__
SCHEDULE_REFS = DagScheduleAssetRefRow.__table__
ASSETS = AssetRow.__table__
RUN_EVENTS = DagRunAssetEventRow.__table__
RUNS = DagRunRow.__table__

# Airflow's ``[scheduler] partition_mapper_max_downstream_keys``: the most runs one event may fan out to.
MAX_DOWNSTREAM_KEYS = 1000
# The most pending partitions one scheduler pass looks at (a page; the next pass reads the next one).
PENDING_PER_PASS = 100

Db = Session | Connection


def fingerprint(mapper_json: Mapping[str, Any]) -> str:
    """A short, stable digest of a mapper's JSON form."""
    return hashlib.sha256(json.dumps(mapper_json, sort_keys=True).encode()).hexdigest()[:32]


class PartitionClaimed(RuntimeError):
    """The pending partition a run was to be created for got its run from someone else meanwhile."""


def sync_mappers(db: Db, dag_id: str, data: Mapping[str, Any]) -> None:
    """Write, for each asset (or reference to one) the DAG is scheduled on, the mapper of its
    partition keys (None when the DAG is not scheduled with PartitionedAssetTimetable)."""
    partitioned = data.get("partitioned") or {}

    def wanted(name: str, uri: str) -> dict[str, Any] | None:
        return mapper_json_for(partitioned, name, uri) if "default" in partitioned else None

    rows = db.execute(
        select(SCHEDULE_ASSETS.c.asset_id, ASSETS.c.name, ASSETS.c.uri, SCHEDULE_ASSETS.c.partition_mapper)
        .join(ASSETS, ASSETS.c.id == SCHEDULE_ASSETS.c.asset_id)
        .where(SCHEDULE_ASSETS.c.dag_id == dag_id)
    )
    for target, name, uri, current in list(rows):
        if wanted(name, uri) != current:
            db.execute(
                update(SCHEDULE_ASSETS)
                .where(SCHEDULE_ASSETS.c.dag_id == dag_id, SCHEDULE_ASSETS.c.asset_id == target)
                .values(partition_mapper=wanted(name, uri))
            )
    refs = db.execute(
        select(SCHEDULE_REFS.c.name, SCHEDULE_REFS.c.uri, SCHEDULE_REFS.c.partition_mapper)
        .where(SCHEDULE_REFS.c.dag_id == dag_id)
    )
    for name, uri, current in list(refs):
        if wanted(name, uri) != current:
            db.execute(
                update(SCHEDULE_REFS)
                .where(SCHEDULE_REFS.c.dag_id == dag_id, SCHEDULE_REFS.c.name == name, SCHEDULE_REFS.c.uri == uri)
                .values(partition_mapper=wanted(name, uri))
            )


def _pending_id(db: Db, dag_id: str, key: str, partition_date: datetime | None, now: datetime) -> int:
    """The pending partition (DAG, key), created if there is none; a carried partition_date is kept
    when the events that feed it agree, and dropped when they do not.

    The row is locked (PostgreSQL; SQLite has one writer at a time) until the event's transaction
    ends, so a scheduler claiming it meanwhile waits and then links this event too, or, having
    claimed it first, makes this event start a new pending partition: no key is lost between them."""
    query = select(PENDING.c.id, PENDING.c.partition_date).where(
        PENDING.c.target_dag_id == dag_id, PENDING.c.partition_key == key, PENDING.c.created_dag_run_id.is_(None)
    ).with_for_update()
    found = db.execute(query).first()
    if found is None:
        row = {"target_dag_id": dag_id, "partition_key": key, "partition_date": partition_date, "created_at": now}
        if dialect_name(db) == "postgresql":
            db.execute(postgresql.insert(PENDING).on_conflict_do_nothing(), row)
        else:
            db.execute(insert(PENDING).prefix_with("OR IGNORE", dialect="sqlite"), row)
        return int(db.execute(query).first().id)  # type: ignore[union-attr]
    if partition_date is not None and found.partition_date != partition_date:
        carried = partition_date if found.partition_date is None else None
        db.execute(update(PENDING).where(PENDING.c.id == found.id).values(partition_date=carried))
    return int(found.id)


def queue_event(
    db: Db,
    *,
    event_id: int,
    asset_id: int,
    partition_key: str,
    consumers: Sequence[tuple[str, Mapping[str, Any]]],
    source: tuple[str, str],
    now: datetime,
) -> None:
    """Feed the event's partition to each partitioned consumer ``(dag_id, mapper JSON)``. A key a
    consumer's mapper cannot read, or one that maps to more than ``max_downstream_keys``
    partitions, is logged and queues nothing for that consumer (the try still succeeds)."""
    source_date: list[datetime | None] = []
    # Pending rows are locked in one global order (DAG, key), so two events never wait on each other.
    for dag_id, mapper_json in sorted(consumers, key=lambda consumer: consumer[0]):
        try:
            mapper = decode_mapper(mapper_json)
            keys = mapper.downstream_keys(partition_key)
        except Exception as err:
            log.warning("Partition key %r of an event of asset %s could not be mapped for DAG %s (its partition "
                        "mapper does not accept it): %s", partition_key, asset_id, dag_id, err)
            continue
        cap = mapper.max_downstream_keys or MAX_DOWNSTREAM_KEYS
        if len(keys) > cap:
            log.warning("Partition key %r maps to %d partitions of DAG %s, more than max_downstream_keys=%d: no run "
                        "is queued for this event", partition_key, len(keys), dag_id, cap)
            continue
        if not source_date:
            source_date.append(_run_partition_date(db, source, partition_key))
        carried = mapper.carry_partition_date(source_date[0])
        digest = fingerprint(mapper_json)
        for key in sorted(set(keys)):
            pending_id = _pending_id(db, dag_id, key, carried, now)
            db.execute(insert(KEY_LOG).values(
                asset_id=asset_id, asset_event_id=event_id, asset_partition_dag_run_id=pending_id,
                source_partition_key=partition_key, target_dag_id=dag_id, target_partition_key=key,
                mapper_fingerprint=digest, created_at=now,
            ))


def _run_partition_date(db: Db, source: tuple[str, str], partition_key: str) -> datetime | None:
    """The producing run's partition_date, when the event is for the run's own partition."""
    dag_id, run_id = source
    row = db.execute(
        select(RUNS.c.partition_key, RUNS.c.partition_date).where(RUNS.c.dag_id == dag_id, RUNS.c.run_id == run_id)
    ).first()
    return row.partition_date if row is not None and row.partition_key == partition_key else None


@dataclass
class PendingPartition:
    """A downstream partition waiting for its run: the upstream keys that arrived, by asset."""

    id: int
    dag_id: str
    partition_key: str
    carried_date: datetime | None
    created_at: datetime
    arrived: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    # The fingerprints of the mappers the arrived keys went through, by asset.
    mappers: dict[tuple[str, str], set[str]] = field(default_factory=dict)


_ANY_PENDING = select(PENDING.c.id).where(PENDING.c.created_dag_run_id.is_(None)).limit(1)
_VISIBLE = (PENDING.c.created_dag_run_id.is_(None), DagRow.is_active.is_(True), DagRow.is_paused.is_(False))


def any_pending(db: Db) -> bool:
    """Whether some partition waits for its run (one indexed lookup)."""
    return db.execute(_ANY_PENDING).first() is not None


def change_mark(db: Db) -> tuple[Any, ...]:
    """What changes when the answer about pending partitions may change: a key arrived, a DAG was
    parsed again, a consumer was paused, unpaused or deactivated."""
    return (
        db.execute(select(func.max(KEY_LOG.c.id))).scalar(),
        db.execute(select(func.max(SerializedDagRow.last_updated))).scalar(),
        db.execute(select(func.count()).select_from(PENDING.join(DagRow, DagRow.dag_id == PENDING.c.target_dag_id))
                   .where(*_VISIBLE)).scalar(),
    )


def pending(db: Db, limit: int = PENDING_PER_PASS, after_id: int = 0) -> list[PendingPartition]:
    """Pending partitions of active, unpaused DAGs by id from ``after_id`` on (at most ``limit``:
    the caller moves on from the last one, so partitions that never hold do not hide the others),
    with the keys that arrived for each."""
    query = (
        select(PENDING.c.id, PENDING.c.target_dag_id, PENDING.c.partition_key, PENDING.c.partition_date,
               PENDING.c.created_at)
        .join(DagRow, DagRow.dag_id == PENDING.c.target_dag_id)
        .where(*_VISIBLE, PENDING.c.id > after_id)
        .order_by(PENDING.c.id)
        .limit(limit)
    )
    found = {row.id: PendingPartition(row.id, row.target_dag_id, row.partition_key, row.partition_date, row.created_at)
             for row in db.execute(query)}
    if found:
        arrived = (
            select(KEY_LOG.c.asset_partition_dag_run_id, KEY_LOG.c.source_partition_key, KEY_LOG.c.mapper_fingerprint,
                   ASSETS.c.name, ASSETS.c.uri)
            .join(ASSETS, ASSETS.c.id == KEY_LOG.c.asset_id)
            .where(KEY_LOG.c.asset_partition_dag_run_id.in_(list(found)))
        )
        for pending_id, source_key, digest, name, uri in db.execute(arrived):
            found[pending_id].arrived.setdefault((name, uri), set()).add(source_key)
            found[pending_id].mappers.setdefault((name, uri), set()).add(digest)
    return list(found.values())


def claim(db: Db, pending_id: int, dag_run_id: int) -> int:
    """Give the pending partition its run (compare-and-set: PartitionClaimed if it has one already)
    and link the run to the events that fed it; returns how many events."""
    taken = db.execute(
        update(PENDING).where(PENDING.c.id == pending_id, PENDING.c.created_dag_run_id.is_(None))
        .values(created_dag_run_id=dag_run_id)
    ).rowcount
    if taken != 1:
        raise PartitionClaimed(f"the pending partition {pending_id} got its run from another scheduler")
    events = select(KEY_LOG.c.asset_event_id).where(KEY_LOG.c.asset_partition_dag_run_id == pending_id).distinct()
    event_ids = sorted(db.execute(events).scalars())
    if event_ids:
        db.execute(insert(RUN_EVENTS), [{"dag_run_id": dag_run_id, "event_id": e} for e in event_ids])
    return len(event_ids)


def drop(db: Db, pending_ids: Sequence[int]) -> int:
    """Forget pending partitions (and the keys that fed them) that have no run yet; returns how many."""
    if not pending_ids:
        return 0
    gone = list(db.execute(
        select(PENDING.c.id).where(PENDING.c.id.in_(list(pending_ids)), PENDING.c.created_dag_run_id.is_(None))
        .with_for_update()  # an event feeding one of them ends first, so its key goes with it
    ).scalars())
    if gone:
        db.execute(delete(KEY_LOG).where(KEY_LOG.c.asset_partition_dag_run_id.in_(gone)))
        db.execute(delete(PENDING).where(PENDING.c.id.in_(gone), PENDING.c.created_dag_run_id.is_(None)))
    return len(gone)


def runs_of_partition(db: Db, dag_id: str, partition_key: str) -> list[Any]:
    """The runs of a DAG for a partition key, oldest first (light rows)."""
    query = select(RUNS).where(RUNS.c.dag_id == dag_id, RUNS.c.partition_key == partition_key).order_by(RUNS.c.id)
    return list(db.execute(query))
