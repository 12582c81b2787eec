"""The planner of asset-triggered runs (pure), and the scheduler stepped with an injected clock
for AssetOrTimeSchedule: a run at each tick, and one each time the assets are updated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler_helpers import states

from slipstream.executors.inline import InlineExecutor
from slipstream.scheduler.asset_triggers import alias_names, asset_run_id, condition_holds, ready_dags
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.sdk.assets import Asset, AssetAlias
from slipstream.store import assets, dag_runs

A, B, C = Asset("a"), Asset("b"), Asset("c")
KA, KB, KC = A.key, B.key, C.key


def test_all_needs_every_asset_and_any_needs_one():
    both = (A & B).encode()
    assert not condition_holds(both, {KA}, {})
    assert condition_holds(both, {KA, KB}, {})
    either = (A | B).encode()
    assert condition_holds(either, {KB}, {})
    assert not condition_holds(either, set(), {})
    nested = (A | (B & C)).encode()
    assert condition_holds(nested, {KB, KC}, {}) and not condition_holds(nested, {KB}, {})


def test_alias_holds_through_the_assets_it_resolved_to():
    condition = (AssetAlias("x") & A).encode()
    assert alias_names(condition) == {"x"}
    assert not condition_holds(condition, {KA, KB}, {"x": set()})
    assert condition_holds(condition, {KA, KB}, {"x": {KB}})


def test_refs_match_by_name_or_uri():
    assert condition_holds(Asset.ref(name="a").encode(), {KA}, {})
    assert not condition_holds(Asset.ref(uri="z").encode(), {KA}, {})


def test_ready_dags_and_stale_queues():
    conditions = {"all": (A & B).encode(), "any": (A | B).encode(), "gone": None}
    queues = {"all": {KA}, "any": {KA}, "gone": {KA}}
    assert ready_dags(conditions, queues, {}) == (["any"], ["gone"])


def test_run_ids_follow_airflow():
    now = datetime(2024, 1, 1, tzinfo=UTC)
    first, second = asset_run_id(now), asset_run_id(now)
    assert first.startswith("asset_triggered__2024-01-01T00:00:00+00:00_") and len(first.rsplit("_", 1)[1]) == 8
    assert first != second


BOTH_WAYS = """
from datetime import datetime
from slipstream import DAG, PythonOperator
from slipstream.sdk import Asset, AssetOrTimeSchedule

orders = Asset("s3://shop/orders")

with DAG("producer", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="write", python_callable=lambda: None, outlets=[orders])

with DAG("nightly_or_on_orders", start_date=datetime(2024, 1, 1), catchup=False,
         schedule=AssetOrTimeSchedule(timetable="@daily", assets=orders)):
    PythonOperator(task_id="report", python_callable=lambda: None)
"""


def test_asset_or_time_schedule_runs_on_both(settings, db, write_dag, parse):
    write_dag("both.py", BOTH_WAYS)
    parse()
    now = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(hours=1)
    clock = {"now": now}
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: clock["now"])

    scheduler.run_once()
    with db.read() as session:
        runs = dag_runs.list_runs(session, "nightly_or_on_orders")
    assert [r.run_type for r in runs] == ["scheduled"]

    producer = trigger_dag(db, "producer", now=now)
    scheduler.run_once()  # the producer's task runs inline and records the event
    assert states(db, "producer", producer.run_id) == {"write": "success"}
    clock["now"] = now + timedelta(seconds=1)
    scheduler.run_once()
    with db.read() as session:
        runs = dag_runs.list_runs(session, "nightly_or_on_orders")
        (event,) = assets.events_of_run(session, runs[0].id)
        assert assets.queued(session) == {}
    assert sorted(r.run_type for r in runs) == ["asset_triggered", "scheduled"]
    assert runs[0].run_type == "asset_triggered" and runs[0].logical_date is None
    assert event["source_dag_id"] == "producer" and event["asset"]["uri"] == "s3://shop/orders"

    clock["now"] = now + timedelta(days=1)
    scheduler.run_once()
    with db.read() as session:
        kinds = sorted(r.run_type for r in dag_runs.list_runs(session, "nightly_or_on_orders"))
    assert kinds == ["asset_triggered", "scheduled", "scheduled"]
