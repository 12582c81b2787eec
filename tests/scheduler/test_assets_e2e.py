"""Asset-triggered runs end to end: producer DAGs run in real task processes under the scheduler
loop with the local executor, their asset events are recorded with their success, and the
consumer DAGs' runs are created by the scheduler when their condition holds."""

from __future__ import annotations

import json
import time

import pytest

from slipstream.store import asset_listings, assets, dag_runs, dags

PRODUCERS = """
from datetime import datetime
from airflow.sdk import DAG, Asset, AssetAlias, AssetAll, Metadata, task
from airflow.providers.standard.operators.bash import BashOperator

orders = Asset("s3://shop/orders")
customers = Asset("s3://shop/customers", extra={"owner": "crm"})

with DAG("make_orders", start_date=datetime(2024, 1, 1), schedule=None):
    @task(outlets=[orders])
    def write_orders(*, outlet_events=None):
        outlet_events[orders].extra = {"rows": 10}
    write_orders()

with DAG("make_customers", start_date=datetime(2024, 1, 1), schedule=None):
    @task(outlets=[customers])
    def write_customers():
        yield Metadata(customers, {"rows": 3})
        return "written"
    write_customers()

with DAG("make_both", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="orders", bash_command="echo orders", outlets=[orders]) >> BashOperator(
        task_id="customers", bash_command="echo customers", outlets=[customers]
    )

with DAG("make_through_alias", start_date=datetime(2024, 1, 1), schedule=None):
    @task(outlets=[AssetAlias("daily-export")])
    def export(*, outlet_events=None):
        outlet_events[AssetAlias("daily-export")].add(Asset("s3://exports/2024-01-01"), extra={"day": 1})
    export()
"""

CONSUMERS = """
import json
from datetime import datetime
from airflow.sdk import DAG, Asset, AssetAlias, task

orders = Asset("s3://shop/orders")
customers = Asset("s3://shop/customers", extra={"owner": "crm"})

def report(kind):
    def run(triggering_asset_events=None, dag_run=None):
        seen = {
            asset.uri: [
                {"extra": e.extra, "source": [e.source_dag_run.dag_id, e.source_task_id, e.source_dag_run.run_type]}
                for e in events
            ]
            for asset, events in triggering_asset_events.items()
        }
        print("TRIGGERED " + json.dumps({"kind": kind, "run_type": dag_run.run_type, "events": seen}, sort_keys=True))
    return run

with DAG("both_updated", start_date=datetime(2024, 1, 1), schedule=orders & customers):
    task(task_id="report")(report("all"))()

with DAG("either_updated", start_date=datetime(2024, 1, 1), schedule=orders | customers):
    task(task_id="report")(report("any"))()

with DAG("alias_consumer", start_date=datetime(2024, 1, 1), schedule=[AssetAlias("daily-export")]):
    @task(inlets=[AssetAlias("daily-export")])
    def read(*, inlet_events=None, triggering_asset_events=None):
        days = [e.extra["day"] for e in inlet_events[AssetAlias("daily-export")]]
        via = [e.extra for e in triggering_asset_events[AssetAlias("daily-export")]]
        print("ALIAS " + json.dumps({"inlet_days": days, "triggering": via}))
    read()
"""

CONSUMER_IDS = ("both_updated", "either_updated", "alias_consumer")


def _runs_of(db, dag_id: str) -> list:
    with db.read() as session:
        return [r for r in dag_runs.list_runs(session, dag_id) if r.run_type == "asset_triggered"]


def _wait_for_asset_runs(harness, db, expected: dict[str, int], timeout: float = 60) -> dict[str, list]:
    """Wait until each consumer has ``expected`` asset-triggered runs, all finished."""
    deadline = time.monotonic() + timeout
    while True:
        runs = {dag_id: _runs_of(db, dag_id) for dag_id in CONSUMER_IDS}
        done = all(
            len(runs[d]) >= n and all(r.state in ("success", "failed") for r in runs[d]) for d, n in expected.items()
        )
        if done:
            return runs
        if time.monotonic() > deadline:
            found = {d: [(r.run_id, r.state) for r in rs] for d, rs in runs.items()}
            raise AssertionError(f"asset-triggered runs not there within {timeout} s: {found}")
        time.sleep(0.05)


def _triggered_lines(harness, dag_id: str, run, marker: str) -> dict:
    text = harness.results({dag_id: run}).log(dag_id, "report" if dag_id != "alias_consumer" else "read")
    line = next(line for line in text.splitlines() if marker in line)
    return json.loads(line.split(marker, 1)[1])


def test_consumers_run_when_their_condition_holds(settings, db, write_dag, parse, harness):
    write_dag("producers.py", PRODUCERS)
    write_dag("consumers.py", CONSUMERS)
    parse()

    # One update of orders: AssetAny runs once, AssetAll waits for customers.
    harness.wait_for_runs([harness.trigger("make_orders")], timeout=60)
    runs = _wait_for_asset_runs(harness, db, {"either_updated": 1})
    assert len(runs["both_updated"]) == 0

    # Then customers: AssetAll runs once (the pair is complete), AssetAny once more.
    harness.wait_for_runs([harness.trigger("make_customers")], timeout=60)
    runs = _wait_for_asset_runs(harness, db, {"either_updated": 2, "both_updated": 1})

    # A second pair of updates: one more run of AssetAll, two more of AssetAny.
    harness.wait_for_runs([harness.trigger("make_orders")], timeout=60)
    _wait_for_asset_runs(harness, db, {"either_updated": 3})
    harness.wait_for_runs([harness.trigger("make_customers")], timeout=60)
    runs = _wait_for_asset_runs(harness, db, {"either_updated": 4, "both_updated": 2})
    time.sleep(0.5)  # nothing more is created afterwards
    runs = {dag_id: _runs_of(db, dag_id) for dag_id in CONSUMER_IDS}
    assert len(runs["both_updated"]) == 2
    assert len(runs["either_updated"]) == 4
    assert runs["alias_consumer"] == []
    assert {r.state for r in runs["both_updated"] + runs["either_updated"]} == {"success"}

    # The consumer's context saw the triggering events, with their extra, by asset.
    first_pair = sorted(runs["both_updated"], key=lambda r: r.id)[0]
    seen = _triggered_lines(harness, "both_updated", first_pair, "TRIGGERED ")
    assert seen == {
        "kind": "all",
        "run_type": "asset_triggered",
        "events": {
            "s3://shop/orders": [{"extra": {"rows": 10}, "source": ["make_orders", "write_orders", "manual"]}],
            "s3://shop/customers": [{"extra": {"rows": 3}, "source": ["make_customers", "write_customers", "manual"]}],
        },
    }
    with db.read() as session:
        assert assets.queued(session) == {}


def test_one_producer_updating_both_assets_triggers_all_once_per_run(settings, db, write_dag, parse, harness):
    write_dag("producers.py", PRODUCERS)
    write_dag("consumers.py", CONSUMERS)
    parse()
    for expected in (1, 2):
        harness.wait_for_runs([harness.trigger("make_both")], timeout=60)
        runs = _wait_for_asset_runs(harness, db, {"both_updated": expected})
        assert len(runs["both_updated"]) == expected
    time.sleep(0.5)
    runs = _runs_of(db, "both_updated")
    assert len(runs) == 2 and {r.state for r in runs} == {"success"}
    with db.read() as session:
        linked = [assets.events_of_run(session, run.id) for run in sorted(runs, key=lambda r: r.id)]
    assert [[e["source_task_id"] for e in events] for events in linked] == [["orders", "customers"]] * 2
    assert linked[0][0]["source_run_id"] != linked[1][0]["source_run_id"]


def test_alias_consumer_runs_after_an_event_through_the_alias(settings, db, write_dag, parse, harness):
    write_dag("producers.py", PRODUCERS)
    write_dag("consumers.py", CONSUMERS)
    parse()
    harness.wait_for_runs([harness.trigger("make_through_alias")], timeout=60)
    runs = _wait_for_asset_runs(harness, db, {"alias_consumer": 1})
    (run,) = runs["alias_consumer"]
    assert run.state == "success"
    seen = _triggered_lines(harness, "alias_consumer", run, "ALIAS ")
    assert seen == {"inlet_days": [1], "triggering": [{"day": 1}]}
    with db.read() as session:
        (event,) = asset_listings.recent_events(session, asset="s3://exports/2024-01-01")
    assert event["source_aliases"] == ["daily-export"] and event["extra"] == {"day": 1}


def test_a_paused_consumer_does_not_consume(settings, db, write_dag, parse, harness):
    write_dag("producers.py", PRODUCERS)
    write_dag("consumers.py", CONSUMERS)
    parse()
    with db.write() as session:
        dags.set_paused(session, "either_updated", True)
    harness.wait_for_runs([harness.trigger("make_orders")], timeout=60)
    time.sleep(0.5)
    assert _runs_of(db, "either_updated") == []
    with db.read() as session:
        assert "either_updated" not in assets.queued(session)
        (event,) = asset_listings.recent_events(session, asset="s3://shop/orders")
    assert event["extra"] == {"rows": 10}


@pytest.mark.postgres
def test_the_same_on_postgresql(settings, postgres_url, write_dag):
    """On PostgreSQL: the producer runs in real task processes, a scheduler pass then creates the
    AssetAll and AssetAny runs and runs them."""
    from slipstream.executors.inline import InlineExecutor
    from slipstream.scheduler.run_to_end import run_dag_to_end
    from slipstream.scheduler.scheduler import Scheduler
    from slipstream.store import migrate
    from slipstream.store.db import Database

    settings = settings.replace(sql_alchemy_conn=postgres_url)
    db = Database(postgres_url)
    migrate.migrate(db)
    write_dag("producers.py", PRODUCERS)
    write_dag("consumers.py", CONSUMERS)
    try:
        from slipstream.dagfiles.processor import DagFileProcessor

        processor = DagFileProcessor(settings, db)
        processor.process()
        processor.close()
        assert run_dag_to_end(settings, db, "make_both", timeout=60).state == "success"
        scheduler = Scheduler(settings, db, InlineExecutor(settings, db))
        for _ in range(5):
            scheduler.run_once()
        runs = {dag_id: _runs_of(db, dag_id) for dag_id in ("both_updated", "either_updated")}
        assert [r.state for r in runs["both_updated"]] == ["success"]
        assert [r.state for r in runs["either_updated"]] == ["success"]
        with db.read() as session:
            (run,) = runs["both_updated"]
            assert [e["source_task_id"] for e in assets.events_of_run(session, run.id)] == ["orders", "customers"]
            assert assets.queued(session) == {}
    finally:
        db.dispose()
