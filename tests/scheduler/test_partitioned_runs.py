"""Partitioned runs through the real scheduler stepped pass by pass with an injected clock:
CronPartitionTimetable's runs per tick (catchup, run_offset, max_active_runs, no run twice), and
the planner of PartitionedAssetTimetable runs (rollups, wait policies, partition dates)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from scheduler_helpers import RecordingExecutor

from slipstream.scheduler.partitioned_runs import plan
from slipstream.scheduler.scheduler import Scheduler
from slipstream.sdk import Asset
from slipstream.sdk.partitions import (
    DayWindow,
    FixedKeyMapper,
    IdentityMapper,
    MinimumCount,
    RollupMapper,
    SegmentWindow,
    StartOfDayMapper,
)
from slipstream.store import dag_runs, migrate
from slipstream.store import dags as dag_store
from slipstream.store.clock import utcnow
from slipstream.store.db import Database
from slipstream.store.partitions import PendingPartition
from slipstream.timetables.partitioned_assets import PartitionedAssetTimetable

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def runs_of(db, dag_id: str) -> list:
    with db.read() as session:
        return sorted(dag_runs.list_runs(session, dag_id), key=lambda r: r.id)


def step(scheduler: Scheduler, executor: RecordingExecutor, db, now: datetime) -> None:
    scheduler.run_once(now=now)
    executor.succeed_all(db, now)
    scheduler.run_once(now=now)


PRODUCERS = """
import pendulum
from airflow.sdk import DAG, CronPartitionTimetable
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.bash import BashOperator

with DAG("hourly_catchup", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True, max_active_runs=2,
         schedule=CronPartitionTimetable("0 * * * *", timezone="UTC")):
    BashOperator(task_id="t", bash_command="true")

with DAG("daily_yesterday", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False,
         schedule=CronPartitionTimetable("0 2 * * *", timezone="Europe/Amsterdam", run_offset=-1, key_format="%Y-%m-%d")):
    BashOperator(task_id="t", bash_command="true")
"""


def test_cron_partition_runs_through_the_scheduler(settings, db, write_dag, parse):
    write_dag("producers.py", PRODUCERS)
    parse()
    with db.read() as session:
        assert dag_store.list_import_errors(session) == []
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    now = utc(2024, 1, 1, 3, 30)
    step(scheduler, executor, db, now)

    # max_active_runs=2: two partitions, then the next ones as runs finish; none twice.
    hourly = runs_of(db, "hourly_catchup")
    assert [r.partition_key for r in hourly] == ["2024-01-01T00:00:00", "2024-01-01T01:00:00"]
    for seconds in range(1, 4):
        step(scheduler, executor, db, now + timedelta(seconds=seconds))
    parse()  # parsing again recomputes the next run from the runs there: nothing is created twice
    step(scheduler, executor, db, now + timedelta(seconds=5))
    hourly = runs_of(db, "hourly_catchup")
    assert [r.partition_key for r in hourly] == [f"2024-01-01T0{h}:00:00" for h in range(4)]
    assert [r.run_id for r in hourly][0] == "scheduled__2024-01-01T00:00:00+00:00__2024-01-01T00:00:00"
    assert {(r.logical_date, r.data_interval_start, r.run_type, r.state) for r in hourly} == {
        (None, None, "scheduled", "success")
    }
    assert [r.partition_date for r in hourly] == [utc(2024, 1, 1, h) for h in range(4)]

    # Without catchup only the latest tick runs (the DAG was parsed at the real time): 02:00 in
    # Amsterdam, for the day before.
    real_now = utcnow()
    local = real_now.astimezone(AMSTERDAM)
    tick = local.replace(hour=2, minute=0, second=0, microsecond=0)
    tick = tick if tick <= local else tick - timedelta(days=1)
    partition = tick - timedelta(days=1)
    step(scheduler, executor, db, real_now)
    (daily,) = runs_of(db, "daily_yesterday")
    assert (daily.partition_key, daily.partition_date) == (partition.strftime("%Y-%m-%d"), partition.astimezone(UTC))
    with db.read() as session:
        row = dag_store.get_dag(session, "daily_yesterday")
    following = (tick + timedelta(days=1)).astimezone(UTC)
    assert row.next_dagrun_create_after == following
    step(scheduler, executor, db, following)
    assert [r.partition_key for r in runs_of(db, "daily_yesterday")] == [
        partition.strftime("%Y-%m-%d"), tick.strftime("%Y-%m-%d")
    ]


def test_backfilling_partitions_is_refused_with_what_to_do(settings, db, write_dag, parse):
    from slipstream.scheduler.backfill import BackfillError, plan_backfill

    write_dag("producers.py", PRODUCERS)
    parse()
    with pytest.raises(BackfillError, match="partitioned schedule .*trigger the runs of the partitions you need"):
        plan_backfill(settings, db, "hourly_catchup", utc(2024, 1, 1), utc(2024, 1, 2))


def _pending(key: str, arrived: dict, carried: datetime | None = None) -> PendingPartition:
    return PendingPartition(1, "consumer", key, carried, utc(2024, 1, 1), {k: set(v) for k, v in arrived.items()})


HOURLY_ASSET, REGIONS_ASSET = Asset(name="hourly", uri="s3://stats/hourly"), Asset(name="regions", uri="s3://regions")
HOURLY, REGIONS = HOURLY_ASSET.key, REGIONS_ASSET.key


def _schedule(timetable: PartitionedAssetTimetable) -> dict:
    return {"consumer": (timetable.asset_condition.encode(), timetable.encode_partitions())}


def test_the_planner_waits_for_the_window_and_resolves_the_partition_date(caplog):
    hourly, regions = HOURLY_ASSET, REGIONS_ASSET
    rollup = RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow(), wait_policy=MinimumCount(-2))
    schedules = _schedule(PartitionedAssetTimetable(assets=hourly, default_partition_mapper=rollup))
    hours = {f"2024-03-13T{h:02d}:00:00" for h in range(24)}
    assert plan([_pending("2024-03-13", {HOURLY: set(sorted(hours)[:21])})], schedules) == []
    (run,) = plan([_pending("2024-03-13", {HOURLY: set(sorted(hours)[:22])})], schedules)
    assert run.partition_date == utc(2024, 3, 13)

    # AssetAll: the rollup of one asset and any event of the other; IdentityMapper carries the date.
    both = PartitionedAssetTimetable(assets=hourly & regions, default_partition_mapper=IdentityMapper())
    assert plan([_pending("k", {HOURLY: {"k"}})], _schedule(both)) == []
    (run,) = plan([_pending("k", {HOURLY: {"k"}, REGIONS: {"k"}}, carried=utc(2024, 1, 5))], _schedule(both))
    assert run.partition_date == utc(2024, 1, 5)

    # A policy that can never hold is said once; a DAG that is no longer partitioned gets nothing.
    never = RollupMapper(upstream_mapper=FixedKeyMapper("all"), window=SegmentWindow(["us"]), wait_policy=MinimumCount(3))
    schedules = _schedule(PartitionedAssetTimetable(assets=regions, default_partition_mapper=never))
    seen: set = set()
    with caplog.at_level(logging.WARNING, logger="slipstream.scheduler"):
        for _ in range(2):
            assert plan([_pending("all", {REGIONS: {"us"}})], schedules, seen) == []
    assert [r.getMessage() for r in caplog.records] == [
        "The partitions of asset regions can never start a run of DAG consumer: MinimumCount(3) can never hold: "
        "the window has only 1 partition(s)"
    ]
    assert plan([_pending("all", {REGIONS: {"us"}})], {"consumer": (regions.encode(), None)}) == []


def _sync(db, now: datetime, **timetables: PartitionedAssetTimetable) -> None:
    """Record DAGs as the parser would, each scheduled with its timetable."""
    from slipstream.dagfiles.serialization import dag_hash

    with db.write() as session:
        for dag_id, timetable in timetables.items():
            data = {"dag_id": dag_id, "fileloc": f"/dags/{dag_id}.py", "schedule": None, "tasks": [],
                    "asset_condition": timetable.asset_condition.encode(), "partitioned": timetable.encode_partitions()}
            dag_store.sync_file(session, data["fileloc"], [(data, dag_hash(data))], [], now)


def _record(db, asset: Asset, key: str, now: datetime) -> None:
    from slipstream.store import assets

    with db.write_connection() as connection:
        event = {"asset": asset.encode(), "extra": {}, "alias": None, "partition_key": key}
        assets.record_events(connection, [event], ("producer", "r", "t", -1), now)


class _Result:
    changed = 0


def test_a_partition_fed_under_a_mapper_the_dag_no_longer_has_is_dropped(settings, db):
    from slipstream.scheduler.partitioned_runs import PartitionedRunCreator
    from slipstream.store import partitions

    def regions(*names: str) -> PartitionedAssetTimetable:
        mapper = RollupMapper(upstream_mapper=FixedKeyMapper("all"), window=SegmentWindow(list(names)))
        return PartitionedAssetTimetable(assets=REGIONS_ASSET, default_partition_mapper=mapper)

    now = utc(2024, 3, 13)
    _sync(db, now, rollup=regions("us", "eu"))
    _record(db, REGIONS_ASSET, "us", now)
    creator = PartitionedRunCreator(settings, db)
    creator.create(now, _Result())
    _sync(db, now + timedelta(seconds=1), rollup=regions("us", "eu", "apac"))  # the DAG file changed its window
    _record(db, REGIONS_ASSET, "eu", now)
    creator.create(now, _Result())
    with db.read() as session:
        assert partitions.pending(session) == []  # "us" came under the old window: dropped with what it fed
    assert runs_of(db, "rollup") == []
    for region in ("us", "eu", "apac"):
        _record(db, REGIONS_ASSET, region, now)
    creator.create(now, _Result())
    assert [r.partition_key for r in runs_of(db, "rollup")] == ["all"]


def check_paging(settings, db) -> None:
    """Pages of pending partitions, one per pass, go round: the ones after a stuck rollup get their runs."""
    from slipstream.scheduler.partitioned_runs import PartitionedRunCreator

    stuck = RollupMapper(upstream_mapper=FixedKeyMapper("all"), window=SegmentWindow(["us", "eu"]))
    now = utc(2024, 3, 13)
    _sync(db, now, stuck=PartitionedAssetTimetable(assets=REGIONS_ASSET, default_partition_mapper=stuck),
          copy=PartitionedAssetTimetable(assets=HOURLY_ASSET))
    _record(db, REGIONS_ASSET, "us", now)  # stuck waits for eu, for ever
    for hour in ("00", "01", "02"):
        _record(db, HOURLY_ASSET, f"2024-03-13T{hour}:00:00", now)
    creator = PartitionedRunCreator(settings, db, page_size=1)
    result = _Result()
    for _ in range(5):
        creator.create(now, result)
    assert [r.partition_key for r in runs_of(db, "copy")] == [f"2024-03-13T{h}:00:00" for h in ("00", "01", "02")]
    assert runs_of(db, "stuck") == [] and result.changed == 3
    # Nothing changed: passes find the stuck partition waiting and create nothing; a new key is seen.
    assert creator.create(now, result) == []
    _record(db, HOURLY_ASSET, "2024-03-13T03:00:00", now)
    creator.create(now, result)
    creator.create(now, result)
    assert len(runs_of(db, "copy")) == 4 and result.changed == 4


def test_partitions_that_never_hold_do_not_hide_the_others(settings, db):
    check_paging(settings, db)


@pytest.mark.postgres
def test_the_same_on_postgresql(settings, postgres_url):
    database = Database(postgres_url)
    migrate.migrate(database)
    try:
        check_paging(settings, database)
    finally:
        database.dispose()
