"""``/api/v2/dags``, its details, pause/unpause, delete, tags and stats, against a real server.

The DAG files are written and parsed once per module (and backend); tests that change a DAG
(pause, delete) have DAGs of their own."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.dag_runs import TaskSpec

DAGS = '''
from datetime import datetime
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator
from airflow.sdk import Asset

with DAG("etl_daily", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, tags=["etl", "daily"],
         dag_display_name="ETL daily", default_args={"owner": "alice", "retries": 2},
         params={"limit": Param(10, type="integer", description="How many")}, doc_md="""
         # ETL
         Loads things.
         """, owner_links={"alice": "mailto:alice@example.com"}):
    extract = BashOperator(task_id="extract", bash_command="echo {{ params.limit }}", max_active_tis_per_dag=1)
    load = EmptyOperator(task_id="load", trigger_rule="all_done")
    extract >> load

with DAG("etl_hourly", schedule="0 * * * *", start_date=datetime(2024, 1, 1), tags=["etl"],
         default_args={"owner": "bob"}):
    EmptyOperator(task_id="only")

with DAG("manual_only", schedule=None, tags=["adhoc"], default_args={"owner": "alice"}):
    BashOperator.partial(task_id="mapped").expand(bash_command=["echo 1", "echo 2"])

with DAG("asset_fed", schedule=[Asset("s3://bucket/raw"), Asset.ref(name="other")], tags=["assets"]):
    EmptyOperator(task_id="consume")
'''

OWN = '''
from airflow import DAG
from airflow.operators.empty import EmptyOperator

for name in ("pause_one", "bulk_a", "bulk_b", "doomed", "busy", "csrf_dag", "client_dag", "client_doomed"):
    with DAG(name, schedule=None, tags=["mutable"]):
        EmptyOperator(task_id="t")
'''

BROKEN = '''
from airflow import DAG
raise ValueError("this file is broken on purpose")
'''


@pytest.fixture(scope="module")
def seeded(api):
    api.write_dag("dags_main.py", DAGS)
    api.write_dag("dags_own.py", OWN)
    api.write_dag("broken.py", BROKEN)
    api.parse()
    now = utcnow()
    spec = TaskSpec("only", "EmptyOperator", 0, "default_pool", 1, "default", 1)
    with api.db.write() as session:
        for i, state in enumerate(["success", "failed", "running"]):
            dag_runs.create(session, dag_id="etl_hourly", run_id=f"r{i}", run_type="manual", tasks=[spec],
                            now=now + timedelta(seconds=i), logical_date=now + timedelta(seconds=i), state=state)
        dag_runs.create(session, dag_id="etl_daily", run_id="r0", run_type="manual", tasks=[], now=now,
                        logical_date=now, state="success")
        dag_runs.create(session, dag_id="doomed", run_id="r0", run_type="manual", tasks=[spec], now=now,
                        logical_date=now, state="success")
        busy = dag_runs.create(session, dag_id="busy", run_id="r0", run_type="manual",
                               tasks=[TaskSpec("t", "EmptyOperator", 0, "default_pool", 1, "default", 1)], now=now,
                               logical_date=now, state="running")
        session.flush()
        for ti in task_instances.for_run(session, "busy", busy.run_id):
            task_instances.set_state(session, ti.id, "none", "running")
    return api


def ids(answer: httpx.Response) -> list[str]:
    assert answer.status_code == 200, answer.text
    return [dag["dag_id"] for dag in answer.json()["dags"]]


def test_list_dags_with_fields_clients_need(seeded):
    answer = seeded.client("Viewer").get("/api/v2/dags", params={"dag_id_pattern": "etl"})
    body = answer.json()
    assert body["total_entries"] == 2
    daily = {dag["dag_id"]: dag for dag in body["dags"]}["etl_daily"]
    assert daily["dag_display_name"] == "ETL daily"
    assert [tag["name"] for tag in daily["tags"]] == ["daily", "etl"]
    assert daily["owners"] == ["alice"]
    assert daily["timetable_summary"] == "@daily" and daily["timetable_periodic"] is True
    assert daily["has_task_concurrency_limits"] is True and daily["has_import_errors"] is False
    assert daily["is_paused"] is False and daily["is_stale"] is False
    assert daily["relative_fileloc"] == "dags_main.py" and daily["bundle_name"] == "dags-folder"
    assert daily["next_dagrun_logical_date"] is not None and daily["file_token"]
    assert daily["max_active_tasks"] == seeded.settings.max_active_tasks_per_dag


def test_list_dags_filters(seeded):
    viewer = seeded.client("Viewer")
    assert ids(viewer.get("/api/v2/dags", params={"tags": ["etl", "adhoc"], "order_by": "dag_id"})) == [
        "etl_daily", "etl_hourly", "manual_only"]
    assert ids(viewer.get("/api/v2/dags", params={"tags": ["etl", "daily"], "tags_match_mode": "all"})) == [
        "etl_daily"]
    assert ids(viewer.get("/api/v2/dags", params={"owners": "bob"})) == ["etl_hourly"]
    assert ids(viewer.get("/api/v2/dags", params={"dag_id_pattern": "etl_d%|manual"})) == ["etl_daily", "manual_only"]
    assert ids(viewer.get("/api/v2/dags", params={"dag_id_prefix_pattern": "ETL"})) == []
    assert ids(viewer.get("/api/v2/dags", params={"dag_display_name_pattern": "etl DAILY"})) == ["etl_daily"]
    assert ids(viewer.get("/api/v2/dags", params={"last_dag_run_state": "running"})) == ["busy", "etl_hourly"]
    assert ids(viewer.get("/api/v2/dags", params={"has_import_errors": True})) == []
    cron = {"timetable_type": "airflow.timetables.trigger.CronTriggerTimetable", "tags": ["etl", "adhoc"]}
    assert ids(viewer.get("/api/v2/dags", params=cron)) == ["etl_daily", "etl_hourly"]
    assert ids(viewer.get("/api/v2/dags", params={"timetable_type": ["NullTimetable", "EventsTimetable"],
                                                  "tags": ["etl", "adhoc"]})) == ["manual_only"]
    everything = viewer.get("/api/v2/dags", params={"limit": 1000}).json()
    assert everything["total_entries"] == len(everything["dags"]) >= 9
    assert ids(viewer.get("/api/v2/dags", params={"bundle_name": "other"})) == []
    assert viewer.get("/api/v2/dags", params={"last_dag_run_state": "bogus"}).status_code == 422
    assert viewer.get("/api/v2/dags", params={"limit": 2**64}).status_code == 422
    assert ids(viewer.get("/api/v2/dags", params={"dag_run_start_date_gte": "2000-01-01T00:00:00",
                                                  "dag_run_start_date_lt": "9999-12-31T23:00:00+05:00"})) == []
    assert viewer.get("/api/v2/dags", params={"dag_run_end_date_lte": "9999-12-31T23:00:00-05:00"}).status_code == 400
    nul = viewer.get("/api/v2/dags", params={"dag_id_pattern": "a\x00"})  # PostgreSQL cannot compare it
    assert nul.status_code == 400 and "NUL" in nul.json()["detail"]


def test_list_dags_order_and_paging(seeded):
    viewer = seeded.client("Viewer")
    page = viewer.get("/api/v2/dags", params={"tags": "etl", "order_by": "-dag_id", "limit": 1, "offset": 1}).json()
    assert page["total_entries"] == 2 and [d["dag_id"] for d in page["dags"]] == ["etl_daily"]
    by_state = ids(viewer.get("/api/v2/dags", params={"tags": ["etl"], "order_by": ["last_run_state"]}))
    assert by_state == ["etl_hourly", "etl_daily"]  # running < success
    answer = viewer.get("/api/v2/dags", params={"order_by": "bogus"})
    assert answer.status_code == 400
    assert "bogus" in answer.json()["detail"] and "next_dagrun" in answer.json()["detail"]


def test_get_dag_and_details(seeded):
    viewer = seeded.client("Viewer")
    dag = viewer.get("/api/v2/dags/etl_daily")
    assert dag.status_code == 200 and dag.json()["dag_id"] == "etl_daily"
    details = viewer.get("/api/v2/dags/etl_daily/details").json()
    assert details["doc_md"] == "# ETL\nLoads things."
    assert details["params"]["limit"]["value"] == 10
    assert details["params"]["limit"]["schema"] == {"type": "integer"}
    assert details["catchup"] is False and details["timezone"] == "UTC"
    assert details["start_date"].startswith("2024-01-01T00:00:00")
    assert details["default_args"]["retries"] == 2
    assert details["owner_links"] == {"alice": "mailto:alice@example.com"}
    assert details["concurrency"] == details["max_active_tasks"]
    assert details["latest_dag_version"] is None and details["is_favorite"] is False
    missing = viewer.get("/api/v2/dags/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]
    assert viewer.get("/api/v2/dags/nope/details").status_code == 404


def test_a_dag_scheduled_on_assets(seeded):
    viewer = seeded.client("Viewer")
    assert ids(viewer.get("/api/v2/dags", params={"has_asset_schedule": True})) == ["asset_fed"]
    assert ids(viewer.get("/api/v2/dags", params={"asset_dependency": "BUCKET/raw"})) == ["asset_fed"]
    assert ids(viewer.get("/api/v2/dags", params={"timetable_type": "AssetTriggeredTimetable"})) == ["asset_fed"]
    details = viewer.get("/api/v2/dags/asset_fed/details").json()
    assert details["timetable_description"] == "Triggered by assets" and details["timetable_periodic"] is False
    assert details["timetable_summary"].startswith("Asset")
    assert details["asset_expression"] == {"all": [
        {"asset": {"uri": "s3://bucket/raw", "name": "s3://bucket/raw", "group": "asset"}},
        {"asset_ref": {"name": "other"}},
    ]}


def test_pause_and_unpause_one(seeded):
    user = seeded.client("User")
    answer = user.patch("/api/v2/dags/pause_one", json={"is_paused": True})
    assert answer.status_code == 200 and answer.json()["is_paused"] is True
    assert ids(seeded.client("Viewer").get("/api/v2/dags", params={"paused": True, "tags": "mutable"})) == [
        "pause_one"]
    answer = user.patch("/api/v2/dags/pause_one", params={"update_mask": "is_paused"}, json={"is_paused": False})
    assert answer.json()["is_paused"] is False
    assert user.patch("/api/v2/dags/pause_one", params={"update_mask": "tags"}, json={"is_paused": True}
                      ).status_code == 400
    assert user.patch("/api/v2/dags/pause_one", json={"is_paused": "maybe"}).status_code == 422
    assert user.patch("/api/v2/dags/nope", json={"is_paused": True}).status_code == 404


def test_pause_many_by_pattern(seeded):
    user = seeded.client("User")
    nothing = user.patch("/api/v2/dags", json={"is_paused": True})
    assert nothing.json() == {"dags": [], "total_entries": 0}
    answer = user.patch("/api/v2/dags", params={"dag_id_pattern": "bulk_"}, json={"is_paused": True})
    assert sorted(ids(answer)) == ["bulk_a", "bulk_b"]
    assert all(dag["is_paused"] for dag in answer.json()["dags"])
    answer = user.patch("/api/v2/dags", params={"dag_id_pattern": "bulk_", "paused": True}, json={"is_paused": False})
    assert answer.json()["total_entries"] == 2 and not any(d["is_paused"] for d in answer.json()["dags"])


def test_delete_dag(seeded):
    user = seeded.client("User")
    assert user.delete("/api/v2/dags/doomed").status_code == 204
    assert user.get("/api/v2/dags/doomed").status_code == 404
    assert user.delete("/api/v2/dags/doomed").status_code == 404
    with seeded.db.read() as session:
        assert dag_runs.list_runs(session, "doomed") == []
        assert task_instances.for_run(session, "doomed", "r0") == []
    busy = user.delete("/api/v2/dags/busy")
    assert busy.status_code == 409 and "running" in busy.json()["detail"]
    assert user.get("/api/v2/dags/busy").status_code == 200


def test_roles(seeded):
    assert seeded.client(None).get("/api/v2/dags").status_code == 401
    viewer = seeded.client("Viewer")
    assert viewer.patch("/api/v2/dags/pause_one", json={"is_paused": True}).status_code == 403
    assert viewer.patch("/api/v2/dags", params={"dag_id_pattern": "~"}, json={"is_paused": True}).status_code == 403
    assert viewer.delete("/api/v2/dags/pause_one").status_code == 403
    assert seeded.client(None).delete("/api/v2/dags/pause_one").status_code == 401


def test_cookie_patch_needs_the_csrf_header(seeded):
    with httpx.Client(base_url=seeded.url) as browser:
        login = browser.post("/auth/login", json={"username": "user", "password": "correct horse battery"})
        csrf = login.json()["csrf_token"]
        refused = browser.patch("/api/v2/dags/csrf_dag", json={"is_paused": True})
        assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["detail"]
        accepted = browser.patch("/api/v2/dags/csrf_dag", json={"is_paused": True}, headers={"X-CSRF-Token": csrf})
        assert accepted.status_code == 200 and accepted.json()["is_paused"] is True


def test_tags_stats_and_warnings(seeded):
    viewer = seeded.client("Viewer")
    tags = viewer.get("/api/v2/dagTags").json()
    assert {"adhoc", "daily", "etl", "mutable"} <= set(tags["tags"]) and tags["total_entries"] == len(tags["tags"])
    assert viewer.get("/api/v2/dagTags", params={"tag_name_pattern": "L", "order_by": "-name"}).json() == {
        "tags": ["mutable", "etl", "daily"], "total_entries": 3}
    assert viewer.get("/api/v2/dagTags", params={"order_by": "dag_id"}).status_code == 400
    stats = viewer.get("/api/v2/dagStats", params={"dag_ids": ["etl_hourly", "etl_daily"]}).json()
    counts = {entry["dag_id"]: {s["state"]: s["count"] for s in entry["stats"]} for entry in stats["dags"]}
    assert counts["etl_hourly"] == {"queued": 0, "running": 1, "success": 1, "failed": 1}
    assert counts["etl_daily"]["success"] == 1 and stats["total_entries"] == 2
    assert viewer.get("/api/v2/dagWarnings").json() == {"dag_warnings": [], "total_entries": 0}


def test_favorites_and_versions_say_what_is_missing(seeded):
    viewer = seeded.client("Viewer")
    favorite = viewer.post("/api/v2/dags/etl_daily/favorite")
    assert favorite.status_code == 501 and "Favorite" in favorite.json()["detail"]
    versions = viewer.get("/api/v2/dags/etl_daily/dagVersions")
    assert versions.status_code == 501 and "DAG versions" in versions.json()["detail"]
    assert viewer.get("/api/v2/dags/nope/dagVersions").status_code == 404


def test_a_page_of_dags_takes_two_queries_whatever_its_size(seeded):
    from sqlalchemy import event

    statements: list[str] = []

    def record(connection, cursor, statement, *args):
        if "ab_user" not in statement and statement != "BEGIN":
            statements.append(statement)

    event.listen(seeded.db.engine, "before_cursor_execute", record)
    try:
        for limit in (1, 100):
            statements.clear()
            answer = seeded.client("Viewer").get("/api/v2/dags", params={"limit": limit, "order_by": "-last_run_state",
                                                                         "tags": ["etl", "mutable"]})
            assert answer.status_code == 200
            assert len(statements) == 2, statements  # the count and the page
    finally:
        event.remove(seeded.db.engine, "before_cursor_execute", record)


def test_the_official_clients_models_read_the_answers(seeded):
    from airflow_client.client.models.dag_collection_response import DAGCollectionResponse
    from airflow_client.client.models.dag_details_response import DAGDetailsResponse
    from airflow_client.client.models.dag_stats_collection_response import DagStatsCollectionResponse
    from airflow_client.client.models.dag_tag_collection_response import DAGTagCollectionResponse
    from airflow_client.client.models.dag_warning_collection_response import DAGWarningCollectionResponse

    viewer = seeded.client("Viewer")
    listed = DAGCollectionResponse.from_dict(viewer.get("/api/v2/dags", params={"limit": 100}).json())
    assert "etl_daily" in [dag.dag_id for dag in listed.dags]
    details = DAGDetailsResponse.from_dict(viewer.get("/api/v2/dags/etl_daily/details").json())
    assert details.params["limit"]["value"] == 10 and details.tags[0].name == "daily"
    assert DAGTagCollectionResponse.from_dict(viewer.get("/api/v2/dagTags").json()).total_entries >= 4
    stats = DagStatsCollectionResponse.from_dict(viewer.get("/api/v2/dagStats").json())
    assert {entry.dag_id for entry in stats.dags} >= {"etl_hourly", "etl_daily"}
    assert DAGWarningCollectionResponse.from_dict(viewer.get("/api/v2/dagWarnings").json()).total_entries == 0


def test_the_official_client_unchanged(seeded):
    client = pytest.importorskip("airflow_client.client")
    configuration = client.Configuration(host=seeded.url, access_token=seeded.tokens["User"])
    with client.ApiClient(configuration) as api_client:
        dags_api = client.DAGApi(api_client)
        listed = dags_api.get_dags(tags=["etl"], order_by=["-dag_id"])
        assert [dag.dag_id for dag in listed.dags] == ["etl_hourly", "etl_daily"]
        assert dags_api.get_dag_details("etl_daily").catchup is False
        patched = dags_api.patch_dag("client_dag", client.DAGPatchBody(is_paused=True), update_mask=["is_paused"])
        assert patched.is_paused is True
        assert dags_api.patch_dags(client.DAGPatchBody(is_paused=False), dag_id_pattern="client_dag").total_entries == 1
        dags_api.delete_dag("client_doomed")
        assert "etl" in dags_api.get_dag_tags().tags
        tasks = client.TaskApi(api_client).get_tasks("etl_daily")
        assert [task.task_id for task in tasks.tasks] == ["extract", "load"]
        assert client.TaskApi(api_client).get_task("etl_daily", "load").trigger_rule == "all_done"
        assert "etl_daily" in client.DagSourceApi(api_client).get_dag_source("etl_daily").content
        assert client.ImportErrorApi(api_client).get_import_errors().total_entries >= 1
        assert client.DagStatsApi(api_client).get_dag_stats(dag_ids=["etl_hourly"]).total_entries == 1
        assert client.DagWarningApi(api_client).list_dag_warnings().dag_warnings == []
