"""``/api/v2/dags/{dag_id}/dagRuns``: list, get, trigger, patch, clear, delete, wait."""

from __future__ import annotations

import json
import time

import pytest
from airflow_client.client.models.dag_run_collection_response import DAGRunCollectionResponse
from airflow_client.client.models.dag_run_response import DAGRunResponse

from slipstream.store import dag_runs as run_store
from slipstream.store import task_instances
from slipstream.store.clock import utcnow

DAG = """
from datetime import datetime
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.empty import EmptyOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False,
         params={{"n": Param(1, type="integer", minimum=0)}}):
    EmptyOperator(task_id="first") >> EmptyOperator(task_id="second")
"""

RETURNS = """
from datetime import datetime
from airflow import DAG
from airflow.decorators import task

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    @task
    def answer():
        return {{"value": 42}}

    answer()
"""


def _dag(api, source: str = DAG) -> str:
    dag_id = api.unique("runs")
    api.write_dag(f"{dag_id}.py", source.format(dag_id=dag_id))
    api.parse()
    return dag_id


def _trigger(api, dag_id: str, **body) -> dict:
    answer = api.client("User").post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_trigger_then_get_and_list_with_the_clients_models(api):
    dag_id = _dag(api)
    created = _trigger(api, dag_id, dag_run_id="first_run", conf={"n": 3}, note="by hand")
    run = DAGRunResponse.from_dict(created)
    assert (run.dag_run_id, run.state, run.run_type, run.conf, run.note) == ("first_run", "queued", "manual", {"n": 3},
                                                                            "by hand")
    assert run.logical_date is not None and run.run_after is not None and run.dag_versions == []
    viewer = api.client("Viewer")
    assert viewer.get(f"/api/v2/dags/{dag_id}/dagRuns/first_run").json() == created
    listed = viewer.get(f"/api/v2/dags/{dag_id}/dagRuns").json()
    assert DAGRunCollectionResponse.from_dict(listed).total_entries == 1
    assert listed["dag_runs"] == [created]


def test_trigger_errors(api):
    dag_id = _dag(api)
    user = api.client("User")
    bad_param = user.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "conf": {"n": -1}})
    assert bad_param.status_code == 400 and "n" in bad_param.json()["detail"]
    assert user.post("/api/v2/dags/no_such_dag/dagRuns", json={"logical_date": None}).status_code == 404
    _trigger(api, dag_id, dag_run_id="twice")
    again = user.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "dag_run_id": "twice"})
    assert again.status_code == 409 and "twice" in again.json()["detail"]
    assert user.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None, "bogus": 1}).status_code == 422
    half = user.post(f"/api/v2/dags/{dag_id}/dagRuns",
                     json={"logical_date": "2024-02-01T00:00:00Z", "data_interval_start": "2024-01-01T00:00:00Z"})
    assert half.status_code == 400


def test_trigger_needs_the_user_role(api):
    dag_id = _dag(api)
    assert api.client(None).post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None}).status_code == 401
    assert api.client(None).get(f"/api/v2/dags/{dag_id}/dagRuns").status_code == 401
    refused = api.client("Viewer").post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})
    assert refused.status_code == 403 and "User" in refused.json()["detail"]
    for call in ("patch", "delete"):
        kwargs = {"json": {"state": "failed"}} if call == "patch" else {}
        assert getattr(api.client("Viewer"), call)(f"/api/v2/dags/{dag_id}/dagRuns/x", **kwargs).status_code == 403


def test_a_paused_dag_gets_its_run_queued(api):
    from slipstream.store import dags as dag_store

    dag_id = _dag(api)
    with api.db.write() as session:
        dag_store.set_paused(session, dag_id, True, catchup_by_default=False)
    assert _trigger(api, dag_id)["state"] == "queued"


def test_given_logical_date_and_data_interval(api):
    dag_id = _dag(api)
    run = _trigger(api, dag_id, logical_date="2024-03-01T02:00:00+00:00",
                   data_interval_start="2024-02-29T00:00:00Z", data_interval_end="2024-03-01T00:00:00Z")
    assert run["dag_run_id"] == "manual__2024-03-01T02:00:00+00:00"
    assert run["logical_date"].startswith("2024-03-01T02:00:00")
    assert run["data_interval_start"].startswith("2024-02-29T00:00:00")


def test_list_filters_order_and_paging(api):
    dag_id = _dag(api)
    for day in (1, 2, 3):
        _trigger(api, dag_id, dag_run_id=f"run_{day}", logical_date=f"2024-01-0{day}T00:00:00Z")
    viewer = api.client("Viewer")
    url = f"/api/v2/dags/{dag_id}/dagRuns"

    def ids(**params):
        answer = viewer.get(url, params=params)
        assert answer.status_code == 200, answer.text
        return [r["dag_run_id"] for r in answer.json()["dag_runs"]]

    assert ids(order_by="-logical_date") == ["run_3", "run_2", "run_1"]
    assert ids(order_by="-id", limit=1, offset=1) == ["run_2"]
    assert ids(logical_date_gte="2024-01-02T00:00:00Z", logical_date_lt="2024-01-03T00:00:00Z") == ["run_2"]
    assert ids(state=["queued", "running"]) == ["run_1", "run_2", "run_3"]
    assert ids(state="success") == []
    assert ids(run_type="manual", run_id_pattern="_3|_1") == ["run_1", "run_3"]
    assert viewer.get(url, params={"limit": 1}).json()["total_entries"] == 3
    assert viewer.get(url, params={"order_by": "nope"}).status_code == 400
    updated = viewer.get(url, params={"updated_at_gte": "2024-01-01T00:00:00Z"})
    assert updated.status_code == 400 and "updated_at" in updated.json()["detail"]
    assert viewer.get(url, params={"state": "bogus"}).status_code == 400
    assert viewer.get("/api/v2/dags/no_such_dag/dagRuns").status_code == 404


def test_list_across_dags_with_a_tilde_and_the_batch_body(api):
    one, two = _dag(api), _dag(api)
    _trigger(api, one)
    _trigger(api, two)
    viewer = api.client("Viewer")
    everything = viewer.get("/api/v2/dags/~/dagRuns", params={"dag_id_pattern": one, "limit": 100}).json()
    assert {r["dag_id"] for r in everything["dag_runs"]} == {one}
    batch = viewer.post("/api/v2/dags/~/dagRuns/list", json={"dag_ids": [one, two], "order_by": "-dag_id"})
    assert batch.status_code == 200, batch.text
    assert [r["dag_id"] for r in batch.json()["dag_runs"]] == sorted([one, two], reverse=True)
    assert viewer.post(f"/api/v2/dags/{one}/dagRuns/list", json={}).status_code == 422


def test_patch_marks_the_run_and_its_unfinished_task_instances(api):
    dag_id = _dag(api)
    _trigger(api, dag_id, dag_run_id="to_mark")
    user = api.client("User")
    url = f"/api/v2/dags/{dag_id}/dagRuns/to_mark"
    failed = user.patch(url, json={"state": "failed"})
    assert failed.status_code == 200 and failed.json()["state"] == "failed"
    with api.db.read() as session:
        states = {ti.task_id: ti.state for ti in task_instances.for_run(session, dag_id, "to_mark")}
    assert states == {"first": "skipped", "second": "skipped"}
    noted = user.patch(url, json={"state": "success", "note": "ignored"}, params={"update_mask": ["note"]})
    assert noted.json()["state"] == "failed" and noted.json()["note"] == "ignored"
    assert user.patch(url, json={"state": "success"}).json()["state"] == "success"
    requeued = user.patch(url, json={"state": "queued"})
    assert requeued.json()["state"] == "queued" and requeued.json()["end_date"] is None
    assert user.patch(url, json={"state": "running"}).status_code == 422
    assert user.patch(f"/api/v2/dags/{dag_id}/dagRuns/nope", json={"state": "failed"}).status_code == 404


def test_clear_dry_run_then_for_real(api):
    dag_id = _dag(api)
    _trigger(api, dag_id, dag_run_id="to_clear")
    user = api.client("User")
    user.patch(f"/api/v2/dags/{dag_id}/dagRuns/to_clear", json={"state": "success"})
    url = f"/api/v2/dags/{dag_id}/dagRuns/to_clear/clear"
    preview = user.post(url, json={"dry_run": True})
    if preview.status_code != 501:  # the task instance endpoints build the preview
        assert preview.status_code == 200, preview.text
        assert sorted(ti["task_id"] for ti in preview.json()["task_instances"]) == ["first", "second"]
    with api.db.read() as session:
        assert run_store.get(session, dag_id, "to_clear").state == "success"
    assert user.post(url, json={"dry_run": False, "only_failed": True}).json()["state"] == "success"
    cleared = user.post(url, json={"dry_run": False, "note": "again"})
    assert cleared.status_code == 200 and cleared.json()["state"] == "queued" and cleared.json()["note"] == "again"
    with api.db.read() as session:
        assert {ti.state for ti in task_instances.for_run(session, dag_id, "to_clear")} == {"none"}
    assert user.post(url, json={"dry_run": False, "only_new": True}).status_code == 501
    assert api.client("Viewer").post(url, json={"dry_run": True}).status_code == 403


def test_delete_refuses_a_running_run(api):
    dag_id = _dag(api)
    _trigger(api, dag_id, dag_run_id="to_delete")
    user = api.client("User")
    url = f"/api/v2/dags/{dag_id}/dagRuns/to_delete"
    with api.db.write() as session:
        row = run_store.get(session, dag_id, "to_delete")
        run_store.set_state(session, row.id, "queued", "running", start_date=utcnow())
    assert user.delete(url).status_code == 409
    user.patch(url, json={"state": "failed"})
    assert user.delete(url).status_code == 204
    assert user.get(url).status_code == 404
    with api.db.read() as session:
        assert task_instances.for_run(session, dag_id, "to_delete") == []
    assert user.delete(url).status_code == 404


def test_wait_streams_the_state_of_a_finished_run(api):
    dag_id = _dag(api)
    _trigger(api, dag_id, dag_run_id="done")
    api.client("User").patch(f"/api/v2/dags/{dag_id}/dagRuns/done", json={"state": "success"})
    answer = api.client("Viewer").get(f"/api/v2/dags/{dag_id}/dagRuns/done/wait", params={"interval": 0.1})
    assert answer.status_code == 200
    assert [json.loads(line) for line in answer.text.splitlines()] == [{"state": "success"}]
    assert api.client("Viewer").get(f"/api/v2/dags/{dag_id}/dagRuns/nope/wait",
                                    params={"interval": 1}).status_code == 404


@pytest.mark.timeout(120)
def test_a_triggered_run_reaches_success_with_its_result(api):
    api.start_scheduler()
    dag_id = _dag(api, RETURNS)
    user = api.client("User")
    from slipstream.store import dags as dag_store

    with api.db.write() as session:
        dag_store.set_paused(session, dag_id, False, catchup_by_default=False)
    run_id = _trigger(api, dag_id)["dag_run_id"]
    deadline = time.monotonic() + 60
    state = "queued"
    while state not in ("success", "failed") and time.monotonic() < deadline:
        time.sleep(0.1)
        state = user.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}").json()["state"]
    assert state == "success"
    waited = user.get(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/wait", params={"interval": 0.1, "result": "answer"})
    assert json.loads(waited.text.splitlines()[-1]) == {"state": "success", "results": {"answer": {"value": 42}}}


def test_bulk_marks_notes_and_deletes_runs(api):
    dag_id = _dag(api)
    for name in ("a", "b"):
        _trigger(api, dag_id, dag_run_id=name)
    user = api.client("User")
    url = f"/api/v2/dags/{dag_id}/dagRuns"
    answer = user.patch(url, json={"actions": [
        {"action": "update", "entities": [{"dag_run_id": "a", "state": "failed", "note": "n"}]},
        {"action": "create", "entities": [{"dag_run_id": "c"}]},
    ]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["update"] == {"success": [f"{dag_id}.a"], "errors": []}
    assert answer.json()["create"]["errors"][0]["status_code"] == 405
    assert user.get(f"{url}/a").json()["state"] == "failed" and user.get(f"{url}/a").json()["note"] == "n"
    missing = user.patch(url, json={"actions": [{"action": "delete", "entities": ["a", "nope"]}]}).json()["delete"]
    assert missing["success"] == [] and missing["errors"][0]["status_code"] == 404
    skipped = user.patch(url, json={"actions": [{"action": "delete", "entities": ["a", "b", "nope"],
                                                 "action_on_non_existence": "skip"}]}).json()["delete"]
    assert skipped == {"success": [f"{dag_id}.a", f"{dag_id}.b"], "errors": []}
    assert user.get(f"{url}/a").status_code == 404
    assert api.client("Viewer").patch(url, json={"actions": []}).status_code == 403
