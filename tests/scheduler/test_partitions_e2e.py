"""Partitioned assets end to end: a CronPartitionTimetable producer's runs (one per hourly
partition) record keyed asset events in real task processes, and the scheduler creates the runs
of PartitionedAssetTimetable consumers per downstream partition, rolling the 24 hours of a day up
into one daily run (WaitForAll) or firing early (MinimumCount)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from slipstream.store import asset_listings, assets, dag_runs, partitions

DAY = (datetime.now(UTC) - timedelta(days=2)).replace(hour=0, minute=0, second=0, microsecond=0)

PRODUCER = f"""
from datetime import datetime
from airflow.sdk import DAG, Asset, CronPartitionTimetable, task

hourly = Asset(name="hourly_stats", uri="s3://stats/hourly")

with DAG(
    "ingest_hourly",
    schedule=CronPartitionTimetable("0 * * * *", timezone="UTC"),
    start_date=datetime.fromisoformat("{DAY.isoformat()}"),
    end_date=datetime.fromisoformat("{(DAY + timedelta(hours=23)).isoformat()}"),
    catchup=True,
    max_active_runs=24,
):
    @task(outlets=[hourly])
    def ingest(dag_run=None, partition_key=None):
        assert dag_run.logical_date is None and partition_key == dag_run.partition_key
        print("INGEST", partition_key, dag_run.partition_date.isoformat())
    ingest()
"""

CONSUMERS = """
from airflow.sdk import DAG, Asset, DayWindow, MinimumCount, PartitionedAssetTimetable, RollupMapper
from airflow.sdk import StartOfDayMapper, WaitForAll, get_current_context, task
from airflow.providers.standard.operators.bash import BashOperator

hourly = Asset(name="hourly_stats", uri="s3://stats/hourly")

def report(name):
    def run(dag_run=None, triggering_asset_events=None):
        context = get_current_context()
        keys = sorted(e.partition_key for e in triggering_asset_events[hourly])
        print(f"ROLLUP {name} {dag_run.partition_key} {dag_run.partition_date.isoformat()} "
              f"{context['partition_key']} {len(keys)} {keys[0]} {keys[-1]}")
    return run

with DAG("daily_all", schedule=PartitionedAssetTimetable(
    assets=hourly,
    default_partition_mapper=RollupMapper(upstream_mapper=StartOfDayMapper(), window=DayWindow(), wait_policy=WaitForAll()),
)):
    task(task_id="report")(report("all"))() >> BashOperator(task_id="templated", bash_command="echo DAY={{ partition_key }}")

with DAG("daily_early", schedule=PartitionedAssetTimetable(
    assets=[hourly],
    partition_mapper_config={Asset.ref(name="hourly_stats"): RollupMapper(
        upstream_mapper=StartOfDayMapper(), window=DayWindow(), wait_policy=MinimumCount(20))},
)):
    task(task_id="report")(report("early"))()
"""


def _runs(db, dag_id: str) -> list:
    with db.read() as session:
        return sorted(dag_runs.list_runs(session, dag_id), key=lambda r: r.id)


def _wait(predicate, what: str, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not within {timeout} s")
        time.sleep(0.1)


def _finished(runs: list) -> bool:
    return bool(runs) and all(r.state in ("success", "failed") for r in runs)


def test_hourly_partitions_roll_up_into_one_daily_run(settings, db, write_dag, parse, harness):
    write_dag("producer.py", PRODUCER)
    write_dag("consumers.py", CONSUMERS)
    parse()
    check_rollups(db, harness)


def check_rollups(db, harness) -> None:
    day = DAY.strftime("%Y-%m-%d")

    _wait(lambda: len(_runs(db, "ingest_hourly")) == 24 and _finished(_runs(db, "ingest_hourly")), "24 producer runs")
    _wait(lambda: _finished(_runs(db, "daily_all")) and _finished(_runs(db, "daily_early")), "the consumer runs")
    time.sleep(1)  # no more runs come afterwards

    produced = _runs(db, "ingest_hourly")
    assert {r.state for r in produced} == {"success"}
    assert sorted(r.partition_key for r in produced) == [f"{day}T{h:02d}:00:00" for h in range(24)]
    assert all(r.logical_date is None and r.run_type == "scheduled" for r in produced)
    assert all(r.partition_date == DAY + timedelta(hours=int(r.partition_key[11:13])) for r in produced)
    with db.read() as session:
        events = asset_listings.recent_events(session, asset="hourly_stats", limit=100)
    assert sorted(e["partition_key"] for e in events) == sorted(r.partition_key for r in produced)

    (rollup,) = _runs(db, "daily_all")
    assert (rollup.state, rollup.run_type, rollup.partition_key, rollup.partition_date) == (
        "success", "asset_triggered", day, DAY,
    )
    results = harness.results({"daily_all": rollup})
    results.assert_log_holds(
        "daily_all", "report", f"ROLLUP all {day} {DAY.isoformat()} {day} 24 {day}T00:00:00 {day}T23:00:00"
    )
    results.assert_log_holds("daily_all", "templated", f"DAY={day}")

    # MinimumCount(20) fired once 20 hours had arrived; the hours after it start a new pending
    # partition that 4 keys can never satisfy.
    (early,) = _runs(db, "daily_early")
    assert (early.state, early.partition_key) == ("success", day)
    with db.read() as session:
        linked = len(assets.events_of_run(session, early.id))
        waiting = [p for p in partitions.pending(session) if p.dag_id == "daily_early"]
    assert 20 <= linked <= 24
    assert sum(len(keys) for p in waiting for keys in p.arrived.values()) == 24 - linked


# The shapes of Airflow's example_asset_partition.py, written anew: partitions chosen at run time
# (add_partitions, a run triggered for a partition), composite keys, categorical rollups and
# fan-outs, an allow-list, chained partitioned DAGs, and mappers that can never agree.
RUNTIME = """
from airflow.sdk import (
    DAG, AllowedKeyMapper, Asset, FanOutMapper, FixedKeyMapper, IdentityMapper, MinimumCount, PartitionedAssetTimetable,
    PartitionedAtRuntime, ProductMapper, RollupMapper, SegmentWindow, StartOfDayMapper, StartOfHourMapper,
    StartOfYearMapper, asset, task,
)

sales = Asset(name="sales", uri="file://incoming/sales.csv")
region_stats = Asset(name="region_stats", uri="file://incoming/region-stats.csv")
summary = Asset(name="sales_summary", uri="file://curated/sales-summary.csv")

with DAG("ingest_sales", schedule=PartitionedAtRuntime()):
    @task(outlets=[sales])
    def ingest(*, outlet_events=None):
        for region in ("us", "eu", "apac"):
            outlet_events[sales].add_partitions(f"{region}|2026-06-14T03:00:00")
    ingest()

with DAG("sales_by_region_day", schedule=PartitionedAssetTimetable(
        assets=sales, default_partition_mapper=ProductMapper(IdentityMapper(), StartOfDayMapper()))):
    @task(outlets=[summary])
    def aggregate(dag_run=None):
        print("AGGREGATE", dag_run.partition_key)
    aggregate()

with DAG("summary_follower", schedule=PartitionedAssetTimetable(assets=summary)):
    @task
    def follow(dag_run=None, partition_key=None):
        print("FOLLOW", partition_key, dag_run.partition_date)
    follow()

@asset(uri="file://incoming/regions.csv", schedule=PartitionedAtRuntime())
def every_region(self, outlet_events):
    outlet_events[self].add_partitions(["us", "eu", "apac"])

with DAG("all_regions_rollup", schedule=PartitionedAssetTimetable(
        assets=Asset.ref(name="every_region"),
        default_partition_mapper=RollupMapper(upstream_mapper=FixedKeyMapper("all_regions"),
                                              window=SegmentWindow(["us", "eu", "apac"])))):
    task(task_id="rollup")(lambda: None)()

with DAG("two_regions_rollup", schedule=PartitionedAssetTimetable(
        assets=Asset.ref(name="every_region"),
        default_partition_mapper=RollupMapper(upstream_mapper=FixedKeyMapper("all_regions"),
                                              window=SegmentWindow(["us", "eu", "apac", "latam"]),
                                              wait_policy=MinimumCount(2)))):
    task(task_id="rollup")(lambda: None)()

with DAG("four_regions_rollup", schedule=PartitionedAssetTimetable(
        assets=Asset.ref(name="every_region"),
        default_partition_mapper=RollupMapper(upstream_mapper=FixedKeyMapper("all_regions"),
                                              window=SegmentWindow(["us", "eu", "apac", "latam"])))):
    task(task_id="rollup")(lambda: None)()

with DAG("scatter_regions", schedule=PartitionedAssetTimetable(
        assets=region_stats,
        default_partition_mapper=FanOutMapper(upstream_mapper=IdentityMapper(), window=SegmentWindow(["north", "south"]),
                                              downstream_mapper=IdentityMapper()))):
    task(task_id="scatter")(lambda: None)()

with DAG("ingest_region", schedule=PartitionedAtRuntime()):
    @task(outlets=[region_stats])
    def ingest_region(dag_run=None, partition_key=None):
        print("REGION", dag_run.partition_key, partition_key)
    ingest_region()

with DAG("allowed_regions", schedule=PartitionedAssetTimetable(
        assets=region_stats, default_partition_mapper=AllowedKeyMapper(["us", "eu", "apac"]))):
    task(task_id="breakdown")(lambda: None)()

with DAG("never_aligned", schedule=PartitionedAssetTimetable(
        assets=sales & region_stats,
        partition_mapper_config={sales: StartOfYearMapper(), region_stats: StartOfHourMapper()})):
    task(task_id="never")(lambda: None)()
"""


def _keys(db, dag_id: str) -> list[str | None]:
    return sorted(r.partition_key for r in _runs(db, dag_id))


def test_the_shapes_of_airflows_partition_example(settings, db, write_dag, parse, harness):
    write_dag("runtime.py", RUNTIME)
    parse()
    with db.read() as session:
        assert dag_runs.list_runs(session) == []  # nothing is scheduled by time

    harness.wait_for_runs([harness.trigger("ingest_sales"), harness.trigger("every_region")], timeout=60)
    expected = {
        "sales_by_region_day": ["apac|2026-06-14", "eu|2026-06-14", "us|2026-06-14"],
        "summary_follower": ["apac|2026-06-14", "eu|2026-06-14", "us|2026-06-14"],
        "all_regions_rollup": ["all_regions"],
        "two_regions_rollup": ["all_regions"],
    }
    _wait(lambda: all(len(_runs(db, d)) == len(keys) and _finished(_runs(db, d)) for d, keys in expected.items()),
          "the consumers' runs", timeout=120)
    for dag_id, keys in expected.items():
        assert _keys(db, dag_id) == keys and {r.state for r in _runs(db, dag_id)} == {"success"}, dag_id
    # The composite key's day is the run's partition_date; IdentityMapper hands it on downstream.
    june_14 = datetime(2026, 6, 14, tzinfo=UTC)
    assert {r.partition_date for r in _runs(db, "sales_by_region_day") + _runs(db, "summary_follower")} == {june_14}
    assert {r.partition_date for r in _runs(db, "all_regions_rollup")} == {None}

    # A run triggered for a partition records its events for that key; an allowed key starts a run,
    # a fan-out starts one per segment, a key the allow-list refuses starts none.
    eu = harness.trigger("ingest_region", partition_key="eu")
    harness.wait_for_runs([eu], timeout=60)
    _wait(lambda: len(_runs(db, "allowed_regions")) == 1 and len(_runs(db, "scatter_regions")) == 2
          and _finished(_runs(db, "allowed_regions") + _runs(db, "scatter_regions")), "the region consumers' runs", 60)
    harness.wait_for_runs([harness.trigger("ingest_region", run_id="mars", partition_key="mars")], timeout=60)
    _wait(lambda: len(_runs(db, "scatter_regions")) == 4 and _finished(_runs(db, "scatter_regions")), "the fan-out", 60)
    time.sleep(1)
    assert _keys(db, "allowed_regions") == ["eu"]
    assert _keys(db, "scatter_regions") == ["north", "north", "south", "south"]
    with db.read() as session:
        produced = {r.run_id: r for r in dag_runs.list_runs(session, "ingest_region")}
        (mars_event,) = [e for e in asset_listings.recent_events(session, asset="region_stats") if e["source_run_id"] == "mars"]
    assert {r.state for r in produced.values()} == {"success"} and mars_event["partition_key"] == "mars"
    harness.results({"ingest_region": produced[eu.run_id]}).assert_log_holds("ingest_region", "ingest_region",
                                                                              "REGION eu eu")

    # Runs never come for a rollup that needs a key nobody produces, nor for mappers that disagree.
    for dag_id in ("four_regions_rollup", "never_aligned"):
        assert _runs(db, dag_id) == [], dag_id
