"""/api/v2/assets: assets with their references, aliases, events (a created event schedules the
consuming DAG through a real scheduler), queued events, materialize, and roles."""

from __future__ import annotations

import time

import pytest

SOURCE = """
from datetime import datetime
from airflow.sdk import DAG, Asset, AssetAlias, task
from airflow.operators.bash import BashOperator

orders = Asset("s3://{p}/orders", extra={{"team": "sales"}})
customers = Asset(name="{p}_customers", uri="s3://{p}/customers")

with DAG("{p}_producer", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="write", bash_command=":", outlets=[orders, AssetAlias("{p}_exports")])
    BashOperator(task_id="also_customers", bash_command=":", outlets=[customers])

with DAG("{p}_second_producer", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="again", bash_command=":", outlets=[customers])

with DAG("{p}_consumer", start_date=datetime(2024, 1, 1), schedule=[orders]):
    BashOperator(task_id="report", bash_command=":")

with DAG("{p}_both", start_date=datetime(2024, 1, 1), schedule=orders & customers):
    BashOperator(task_id="report", bash_command=":")
"""


@pytest.fixture(scope="module")
def shop(api):
    prefix = api.unique("shop")
    api.write_dag(f"{prefix}.py", SOURCE.format(p=prefix))
    api.parse()
    assets = api.client("Viewer").get("/api/v2/assets", params={"uri_prefix_pattern": f"s3://{prefix}/"}).json()
    return prefix, {a["uri"].rsplit("/", 1)[1]: a for a in assets["assets"]}


def test_assets_with_their_references(api, shop):
    prefix, found = shop
    orders = found["orders"]
    assert orders["name"] == orders["uri"] == f"s3://{prefix}/orders" and orders["extra"] == {"team": "sales"}
    assert [d["dag_id"] for d in orders["scheduled_dags"]] == [f"{prefix}_both", f"{prefix}_consumer"]
    assert [(t["dag_id"], t["task_id"]) for t in orders["producing_tasks"]] == [(f"{prefix}_producer", "write")]
    assert orders["consuming_tasks"] == [] and orders["watchers"] == [] and orders["aliases"] == []
    assert orders["last_asset_event"] is None
    assert api.client("Viewer").get(f"/api/v2/assets/{orders['id']}").json() == orders
    assert api.client("Viewer").get("/api/v2/assets/999999").status_code == 404


def test_list_filters(api, shop):
    prefix, found = shop
    viewer = api.client("Viewer")
    by_name = viewer.get("/api/v2/assets", params={"name_pattern": f"{prefix}_CUSTOMERS"}).json()
    assert [a["id"] for a in by_name["assets"]] == [found["customers"]["id"]]
    by_dag = viewer.get("/api/v2/assets", params={"dag_ids": f"{prefix}_second_producer"}).json()
    assert [a["id"] for a in by_dag["assets"]] == [found["customers"]["id"]]
    paged = viewer.get("/api/v2/assets", params={"uri_pattern": prefix, "order_by": "-uri", "limit": 1}).json()
    assert paged["total_entries"] == 2 and paged["assets"][0]["id"] == found["orders"]["id"]
    assert viewer.get("/api/v2/assets", params={"order_by": "group"}).status_code == 400


def test_aliases(api, shop):
    prefix, _ = shop
    viewer = api.client("Viewer")
    aliases = viewer.get("/api/v2/assets/aliases", params={"name_pattern": prefix}).json()
    assert [a["name"] for a in aliases["asset_aliases"]] == [f"{prefix}_exports"] and aliases["total_entries"] == 1
    alias = aliases["asset_aliases"][0]
    assert viewer.get(f"/api/v2/assets/aliases/{alias['id']}").json() == alias
    assert viewer.get("/api/v2/assets/aliases/999999").status_code == 404


def test_an_event_created_through_the_api_triggers_the_consumer(api, shop):
    prefix, found = shop
    orders = found["orders"]
    api.start_scheduler()
    user = api.client("User")
    created = user.post("/api/v2/assets/events", json={"asset_id": orders["id"], "extra": {"rows": 3}})
    assert created.status_code == 200, created.text
    event = created.json()
    assert event["asset_id"] == orders["id"] and event["uri"] == orders["uri"]
    assert event["extra"] == {"rows": 3, "from_rest_api": True} and event["source_dag_id"] is None
    assert event["source_map_index"] == -1 and event["created_dagruns"] == []
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        listed = user.get("/api/v2/assets/events", params={"asset_id": orders["id"]}).json()
        runs = listed["asset_events"][0]["created_dagruns"]
        if runs:
            break
        time.sleep(0.2)
    assert [r["dag_id"] for r in runs] == [f"{prefix}_consumer"]
    assert runs[0]["triggering"] is True
    upstream = user.get(f"/api/v2/dags/{prefix}_consumer/dagRuns/{runs[0]['run_id']}/upstreamAssetEvents")
    assert [e["id"] for e in upstream.json()["asset_events"]] == [event["id"]]
    # The other consumer also needs customers: its event stays queued.
    queued = user.get(f"/api/v2/assets/{orders['id']}/queuedEvents").json()
    assert [q["dag_id"] for q in queued["queued_events"]] == [f"{prefix}_both"] and queued["total_entries"] == 1
    by_dag = user.get(f"/api/v2/dags/{prefix}_both/assets/queuedEvents").json()
    assert by_dag["queued_events"][0]["asset_id"] == orders["id"]
    one = user.get(f"/api/v2/dags/{prefix}_both/assets/{orders['id']}/queuedEvents").json()
    assert one["dag_id"] == f"{prefix}_both" and one["dag_display_name"] == f"{prefix}_both"
    assert api.client("Viewer").delete(f"/api/v2/assets/{orders['id']}/queuedEvents").status_code == 403
    assert user.delete(f"/api/v2/dags/{prefix}_both/assets/{orders['id']}/queuedEvents").status_code == 204
    assert user.get(f"/api/v2/dags/{prefix}_both/assets/queuedEvents").status_code == 404
    assert user.delete(f"/api/v2/assets/{orders['id']}/queuedEvents").status_code == 404
    last = user.get(f"/api/v2/assets/{orders['id']}").json()["last_asset_event"]
    assert last["id"] == event["id"]


def test_event_listing_filters(api, shop):
    _, found = shop
    user = api.client("User")
    customers = found["customers"]["id"]
    first = user.post("/api/v2/assets/events", json={"asset_id": customers}).json()
    second = user.post("/api/v2/assets/events", json={"asset_id": customers, "partition_key": "2024-01-01"}).json()
    listed = user.get("/api/v2/assets/events", params={"asset_id": customers, "order_by": "-timestamp"}).json()
    assert [e["id"] for e in listed["asset_events"]][:2] == [second["id"], first["id"]]
    after = user.get("/api/v2/assets/events", params={"asset_id": customers, "timestamp_gt": first["timestamp"]})
    assert [e["id"] for e in after.json()["asset_events"]] == [second["id"]]
    assert second["partition_key"] == "2024-01-01"
    assert user.post("/api/v2/assets/events", json={"asset_id": 999999}).status_code == 404
    assert user.post("/api/v2/assets/events", json={}).status_code == 422


def test_materialize_needs_one_producer(api, shop):
    prefix, found = shop
    user = api.client("User")
    both = user.post(f"/api/v2/assets/{found['customers']['id']}/materialize")
    assert both.status_code == 409 and f"{prefix}_second_producer" in both.json()["detail"]
    assert user.post("/api/v2/assets/999999/materialize").status_code == 404
    answer = user.post(f"/api/v2/assets/{found['orders']['id']}/materialize")
    try:
        import slipstream.services.run_actions  # noqa: F401
    except ImportError:
        assert answer.status_code == 501 and "dags trigger" in answer.json()["detail"]
    else:
        assert answer.status_code == 200 and answer.json()["dag_id"] == f"{prefix}_producer"


def test_roles(api):
    assert api.client(None).get("/api/v2/assets").status_code == 401
    assert api.client(None).get("/api/v2/assets/events").status_code == 401
    assert api.client("Viewer").post("/api/v2/assets/events", json={"asset_id": 1}).status_code == 403
