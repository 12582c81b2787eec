"""Partitioned assets end to end: a CronPartitionTimetable producer's runs (one per hourly
partition) record keyed asset events in real task processes, and the scheduler creates the runs
of PartitionedAssetTimetable consumers per downstream partition, rolling the 24 hours of a day up
into one daily run (WaitForAll) or firing early (MinimumCount)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from slipstream.store import assets, dag_runs, partitions

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
        events = assets.recent_events(session, asset="hourly_stats", limit=100)
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
