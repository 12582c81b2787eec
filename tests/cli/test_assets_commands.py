"""``slipstream assets list | events`` and the assets in ``dags list``."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import invoke, invoke_json

ASSET_DAGS = """
from datetime import datetime
from airflow.sdk import DAG, Asset, AssetAlias, task
from airflow.operators.bash import BashOperator

orders = Asset("s3://shop/orders", extra={"team": "sales"})
customers = Asset(name="customers", uri="s3://shop/customers")

with DAG("producer", start_date=datetime(2024, 1, 1), schedule=None):
    @task(outlets=[orders])
    def write(*, outlet_events=None):
        outlet_events[orders].extra = {"rows": 7}
    write()
    BashOperator(task_id="also_customers", bash_command=":", outlets=[customers])

with DAG("consumer", start_date=datetime(2024, 1, 1), schedule=orders & customers):
    BashOperator(task_id="report", bash_command=":")

with DAG("on_alias", start_date=datetime(2024, 1, 1), schedule=[AssetAlias("exports")]):
    BashOperator(task_id="report", bash_command=":")
"""


@pytest.fixture
def asset_dags(dags_dir: Path) -> Path:
    (dags_dir / "assets.py").write_text(ASSET_DAGS)
    return dags_dir


def test_list_shows_consumers_and_producers(runner, asset_dags):
    rows = {row["name"]: row for row in invoke_json(runner, "assets", "list")}
    assert set(rows) == {"s3://shop/orders", "customers"}
    assert rows["s3://shop/orders"] == {
        "name": "s3://shop/orders", "uri": "s3://shop/orders", "group": "asset", "consuming_dags": ["consumer"],
        "producing_tasks": ["producer.write"], "last_event": None, "extra": {"team": "sales"},
    }
    assert rows["customers"]["uri"] == "s3://shop/customers"
    assert rows["customers"]["producing_tasks"] == ["producer.also_customers"]
    plain = invoke(runner, "assets", "list", "-o", "plain").stdout
    assert [c.strip() for c in plain.splitlines()[0].split(" | ")][:3] == ["name", "uri", "group"]


def test_dags_list_shows_the_asset_schedule(runner, asset_dags):
    rows = {row["dag_id"]: row for row in invoke_json(runner, "dags", "list")}
    assert rows["consumer"]["schedule"] == "Asset: s3://shop/orders & customers"
    assert rows["on_alias"]["schedule"] == "Asset: alias:exports"
    assert rows["producer"]["schedule"] is None


def test_events_after_a_run(runner, asset_dags):
    invoke(runner, "dags", "test", "producer")
    events = invoke_json(runner, "assets", "events")
    assert sorted((e["asset"], e["extra"]) for e in events) == [("customers", {}), ("s3://shop/orders", {"rows": 7})]
    only = invoke_json(runner, "assets", "events", "--asset", "s3://shop/orders")
    assert len(only) == 1 and only[0]["source"].startswith("producer.write manual__")
    listed = {row["name"]: row for row in invoke_json(runner, "assets", "list")}
    assert listed["s3://shop/orders"]["last_event"] == only[0]["timestamp"]


def test_events_of_an_unknown_asset_is_a_clear_error(runner, asset_dags):
    result = invoke(runner, "assets", "events", "--asset", "s3://nowhere", code=1)
    assert "No asset is named 's3://nowhere'" in result.stderr + result.stdout


# -- details, materialize, list --alias --------------------------------------------------------


def test_details_by_name_or_uri(runner, asset_dags):
    [by_name] = invoke_json(runner, "assets", "details", "--name", "customers")
    assert by_name["uri"] == "s3://shop/customers"
    assert by_name["scheduled_dags"] == ["consumer"]
    assert by_name["producing_tasks"] == ["producer.also_customers"]
    assert invoke_json(runner, "assets", "details", "--uri", "s3://shop/customers") == [by_name]
    [orders] = invoke_json(runner, "assets", "details", "--uri", "s3://shop/orders")
    assert orders["extra"] == {"team": "sales"} and orders["last_event"] is None
    result = invoke(runner, "assets", "details", "--name", "custmers", code=1)
    assert "No asset named 'custmers'. Did you mean 'customers'?" in result.stderr
    assert "one of them" in invoke(runner, "assets", "details", code=2).stderr


def test_aliases(runner, asset_dags):
    assert invoke_json(runner, "assets", "list", "--alias") == [{"name": "exports", "group": "asset"}]
    assert invoke_json(runner, "assets", "details", "--alias", "--name", "exports") == [
        {"name": "exports", "group": "asset"}
    ]
    assert "Did you mean 'exports'?" in invoke(runner, "assets", "details", "--alias", "--name", "exprts",
                                                code=1).stderr


def test_materialize_queues_a_run_of_the_producer(runner, asset_dags):
    [run] = invoke_json(runner, "assets", "materialize", "--name", "customers")
    assert (run["dag_id"], run["state"], run["run_type"]) == ("producer", "queued", "manual")
    assert [r["run_id"] for r in invoke_json(runner, "dags", "list-runs", "producer")] == [run["run_id"]]
