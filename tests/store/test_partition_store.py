"""Partitioned assets in the store: mappers written at parse, keyed events feeding pending
partitions of consumers, claiming a partition for its run compare-and-set; SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipstream.sdk import Asset
from slipstream.sdk.partitions import DayWindow, IdentityMapper, RollupMapper, StartOfDayMapper
from slipstream.store import asset_listings, assets, dag_runs, dags, migrate, partitions
from slipstream.store.db import Database
from slipstream.timetables.partitioned_assets import PartitionedAssetTimetable

T0 = datetime(2024, 3, 13, tzinfo=UTC)
HOURLY = Asset(name="hourly", uri="s3://stats/hourly")


def _dag(dag_id: str, schedule=None, outlets=()) -> dict:
    data = {
        "dag_id": dag_id, "fileloc": f"/dags/{dag_id}.py", "schedule": None,
        "asset_condition": None if schedule is None else schedule.asset_condition.encode(),
        "tasks": [{"task_id": "t", "outlets": [o.encode() for o in outlets]}] if outlets else [],
    }
    if isinstance(schedule, PartitionedAssetTimetable):
        data["partitioned"] = schedule.encode_partitions()
    return data


def _parse(db: Database, *data: dict) -> None:
    with db.write() as session:
        for item in data:
            dags.sync_file(session, item["fileloc"], [(item, item["dag_id"])], [], T0)


def _record(db: Database, key: str | None, run_id: str = "run1", when: datetime = T0) -> None:
    with db.write_connection() as connection:
        assets.record_events(connection, [{"asset": HOURLY.encode(), "extra": {}, "alias": None, "partition_key": key}],
                             ("producer", run_id, "t", -1), when)


def _pending(db: Database) -> dict[tuple[str, str], set[str]]:
    with db.read() as session:
        return {(p.dag_id, p.partition_key): {k for keys in p.arrived.values() for k in keys}
                for p in partitions.pending(session)}


def check_partitions(db: Database) -> None:
    rollup = RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow())
    _parse(
        db,
        _dag("producer", outlets=[HOURLY]),
        _dag("daily", PartitionedAssetTimetable(assets=HOURLY, default_partition_mapper=rollup)),
        _dag("hourly_copy", PartitionedAssetTimetable(assets=HOURLY)),
        _dag("plain", PartitionedAssetTimetable(assets=HOURLY)),
    )
    _parse(db, {**_dag("plain"), "asset_condition": HOURLY.encode()})  # re-parsed without partitions
    with db.read() as session:
        assert partitions.pending(session) == []
    with db.write() as session:
        run = dag_runs.create(session, dag_id="producer", run_id="run1", run_type="scheduled", tasks=[], now=T0,
                              partition_key="2024-03-13T05:00:00", partition_date=T0 + timedelta(hours=5))

    _record(db, "2024-03-13T05:00:00")
    _record(db, "2024-03-13T06:00:00", run_id="run2", when=T0 + timedelta(seconds=1))
    assert _pending(db) == {
        ("daily", "2024-03-13"): {"2024-03-13T05:00:00", "2024-03-13T06:00:00"},
        ("hourly_copy", "2024-03-13T05:00:00"): {"2024-03-13T05:00:00"},
        ("hourly_copy", "2024-03-13T06:00:00"): {"2024-03-13T06:00:00"},
    }
    # A keyed event does not queue the plain consumer; an event without a key queues only it.
    with db.read() as session:
        assert assets.queued(session) == {}
    _record(db, None, when=T0 + timedelta(seconds=2))
    with db.read() as session:
        assert set(assets.queued(session)) == {"plain"}
        (copy_5,) = [p for p in partitions.pending(session) if p.partition_key == "2024-03-13T05:00:00"]
        events = asset_listings.recent_events(session, asset="hourly", limit=5)
    # IdentityMapper carries the producing run's partition_date (run2 has no run row: nothing to carry).
    assert copy_5.carried_date == run.partition_date
    assert [e["partition_key"] for e in events] == [None, "2024-03-13T06:00:00", "2024-03-13T05:00:00"]

    # A key a mapper cannot read feeds nothing of that consumer and fails nothing; IdentityMapper takes any key.
    _record(db, "not a time", run_id="run3")
    assert {key for dag_id, key in _pending(db) if dag_id == "daily"} == {"2024-03-13"}
    assert ("hourly_copy", "not a time") in _pending(db)

    with db.write() as session:
        consumer = dag_runs.create(session, dag_id="hourly_copy", run_id="a1", run_type="asset_triggered", tasks=[],
                                   now=T0, partition_key=copy_5.partition_key)
        assert partitions.claim(session, copy_5.id, consumer.id) == 1
    with pytest.raises(partitions.PartitionClaimed), db.write() as session:
        other = dag_runs.create(session, dag_id="hourly_copy", run_id="a2", run_type="asset_triggered", tasks=[], now=T0)
        partitions.claim(session, copy_5.id, other.id)
    with db.read() as session:
        assert dag_runs.get(session, "hourly_copy", "a2") is None
        assert [e["partition_key"] for e in assets.events_of_run(session, consumer.id)] == ["2024-03-13T05:00:00"]
    assert ("hourly_copy", "2024-03-13T05:00:00") not in _pending(db)

    # The same key again: a new pending partition, for a later run.
    _record(db, "2024-03-13T05:00:00", run_id="run4", when=T0 + timedelta(seconds=3))
    assert _pending(db)[("hourly_copy", "2024-03-13T05:00:00")] == {"2024-03-13T05:00:00"}

    # A paused consumer's partitions wait; a mapper that changes is written on the next parse.
    with db.write() as session:
        dags.set_paused(session, "daily", True)
    assert ("daily", "2024-03-13") not in _pending(db)
    _parse(db, _dag("daily", PartitionedAssetTimetable(assets=HOURLY, default_partition_mapper=IdentityMapper())))
    with db.read() as session:
        mapper = session.execute(
            partitions.SCHEDULE_ASSETS.select().where(partitions.SCHEDULE_ASSETS.c.dag_id == "daily")
        ).one().partition_mapper
    assert mapper == {"kind": "identity"}


def test_partitions_on_sqlite(db):
    check_partitions(db)


@pytest.mark.postgres
def test_partitions_on_postgresql(postgres_url):
    database = Database(postgres_url)
    migrate.migrate(database)
    try:
        check_partitions(database)
    finally:
        database.dispose()
