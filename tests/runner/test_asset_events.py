"""Asset events in real task processes: the extra set through ``outlet_events`` or yielded as
``Metadata``, events added through an alias, and ``inlet_events`` read in a task and in a
template (Airflow's example_inlet_event_extra/example_outlet_event_extra patterns)."""

from __future__ import annotations

import json

from slipstream.runner.asset_events import InletEventsAccessors, OutletEventAccessors, collect, drain_metadata
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.sdk import Asset, AssetAlias, Metadata
from slipstream.store import assets
from slipstream.store.log_paths import log_path

DAGS = """
import json
from datetime import datetime
from airflow.sdk import DAG, Asset, AssetAlias, Metadata, task
from airflow.providers.standard.operators.bash import BashOperator
from airflow.providers.standard.operators.empty import EmptyOperator

out = Asset(uri="s3://output/1.txt", name="test-asset")

with DAG("by_yield", start_date=datetime(2024, 1, 1), schedule=None):
    @task(outlets=[out])
    def produce():
        yield Metadata(out, {"hi": "bye"})
        yield Metadata(Asset("s3://via/alias"), {"n": 1}, alias=AssetAlias("al"))
        return 42
    produce()

with DAG("by_context", start_date=datetime(2024, 1, 1), schedule=None):
    @task(outlets=[out, AssetAlias("al")])
    def produce(*, outlet_events=None):
        outlet_events[out].extra = {"hi": "again"}
        outlet_events[AssetAlias("al")].add(Asset("s3://via/alias"), extra={"n": 2})
    produce()

with DAG("empty_producer", start_date=datetime(2024, 1, 1), schedule=None):
    EmptyOperator(task_id="mark", outlets=[out])

with DAG("failing", start_date=datetime(2024, 1, 1), schedule=None):
    @task(outlets=[out])
    def produce():
        raise RuntimeError("no event for a failure")
    produce()

with DAG("reader", start_date=datetime(2024, 1, 1), schedule=None):
    @task(inlets=[out, AssetAlias("al")])
    def read(*, inlet_events=None):
        print("EXTRAS " + json.dumps([e.extra for e in inlet_events[out]]))
        print("FIRST " + json.dumps(inlet_events[0][-1].extra))
        print("ALIAS " + json.dumps([e.extra for e in inlet_events[AssetAlias("al")]]))
        print("NEWEST " + json.dumps([e.extra for e in inlet_events[out].ascending(False).limit(1)]))
    read()
    BashOperator(
        task_id="classic", inlets=[out],
        bash_command="echo 'TEMPLATE {{ inlet_events.for_asset(uri=\\"s3://output/1.txt\\")[-1].extra | tojson }}'",
    )
"""


def _log(settings, run, task_id: str) -> str:
    return log_path(settings.base_log_folder, run.dag_id, run.run_id, task_id, -1, 1).read_text()


def _line(text: str, marker: str):
    return json.loads(next(line for line in text.splitlines() if line.startswith(marker)).split(marker, 1)[1])


def test_events_are_recorded_with_their_extra_and_read_back(settings, db, write_dag, parse):
    write_dag("events.py", DAGS)
    parse()
    for dag_id in ("empty_producer", "by_yield", "by_context"):
        assert run_dag_to_end(settings, db, dag_id, timeout=60).state == "success"
    assert run_dag_to_end(settings, db, "failing", timeout=60).state == "failed"
    with db.read() as session:
        recorded = assets.events(session, uri="s3://output/1.txt")
        via_alias = assets.events(session, alias="al")
    assert [(e["extra"], e["source_dag_id"]) for e in recorded] == [
        ({}, "empty_producer"), ({"hi": "bye"}, "by_yield"), ({"hi": "again"}, "by_context"),
    ]
    assert [e["asset"]["name"] for e in recorded] == ["test-asset"] * 3
    # by_yield has no alias in its outlets: what it yields through one is not recorded (as in Airflow).
    assert [(e["extra"], e["source_dag_id"]) for e in via_alias] == [({"n": 2}, "by_context")]

    run = run_dag_to_end(settings, db, "reader", timeout=60)
    assert run.state == "success"
    text = _log(settings, run, "read")
    assert _line(text, "EXTRAS ") == [{}, {"hi": "bye"}, {"hi": "again"}]
    assert _line(text, "FIRST ") == {"hi": "again"}
    assert _line(text, "ALIAS ") == [{"n": 2}]
    assert _line(text, "NEWEST ") == [{"hi": "again"}]
    assert _line(_log(settings, run, "classic"), "TEMPLATE ") == {"hi": "again"}


def test_outlet_accessors_without_a_store():
    orders, alias = Asset("s3://shop/orders"), AssetAlias("x")

    class Task:
        outlets = [orders, alias, "lineage only"]

    events = OutletEventAccessors(None)

    def produce():
        yield Metadata(orders, {"rows": 1})
        yield "not metadata"
        yield Metadata(Asset("s3://shop/other"), {"rows": 2}, alias=alias)
        return "done"

    assert drain_metadata(produce(), events) == "done"
    assert drain_metadata("plain", events) == "plain"
    found = collect(Task(), events)
    assert [(e["asset"]["uri"], e["extra"], e["alias"]) for e in found] == [
        ("s3://shop/orders", {"rows": 1}, None), ("s3://shop/other", {"rows": 2}, "x"),
    ]
    inlets = InletEventsAccessors([orders], None)
    assert list(inlets) == [orders]
    try:
        inlets[Asset("s3://elsewhere")]
    except KeyError as err:
        assert "not among the task's inlets" in str(err)
    else:
        raise AssertionError("an asset that is not an inlet must be refused")
