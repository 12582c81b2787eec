"""/ui/dags/{dag_id}/actionPreview/clear and .../dagRuns/{run_id}/actionPreview/mark: the same task
instances as Airflow's dry runs, counted by state, the first `limit` of them in full."""

from __future__ import annotations

import pytest

from .tis_helpers import TIS, ran_dag


@pytest.fixture(scope="module")
def ran(sqlite_api):
    return ran_dag(sqlite_api)


def _pairs(task_instances):
    return {(t["task_id"], t["map_index"]) for t in task_instances}


def test_clear_preview_is_the_dry_run_summed_up(sqlite_api, ran):
    dag_id, run_id = ran
    user = sqlite_api.client("User")
    options = {"dag_run_id": run_id, "task_ids": ["ok"], "include_downstream": True}
    dry = user.post(f"/api/v2/dags/{dag_id}/clearTaskInstances", json={**options, "dry_run": True, "only_failed": False})
    preview = user.post(f"/ui/dags/{dag_id}/actionPreview/clear", json=options)
    assert preview.status_code == 200, preview.text
    found = preview.json()
    assert found["total_entries"] == len(dry.json()["task_instances"]) == 6
    assert _pairs(found["task_instances"]) == _pairs(dry.json()["task_instances"])
    assert found["states"] == {"success": 4, "failed": 1, "upstream_failed": 1}
    # the first `limit` only, the count whole
    two = user.post(f"/ui/dags/{dag_id}/actionPreview/clear", json={**options, "limit": 2}).json()
    assert two["total_entries"] == 6 and len(two["task_instances"]) == 2
    # one mapped instance, only failed, the whole run
    one = user.post(f"/ui/dags/{dag_id}/actionPreview/clear",
                    json={"dag_run_id": run_id, "task_ids": [["mapped", 1]]}).json()
    assert _pairs(one["task_instances"]) == {("mapped", 1)}
    failed = user.post(f"/ui/dags/{dag_id}/actionPreview/clear", json={"dag_run_id": run_id, "only_failed": True}).json()
    assert _pairs(failed["task_instances"]) == {("bad", -1), ("after", -1)}


def test_mark_preview_is_the_dry_run_summed_up(sqlite_api, ran):
    dag_id, run_id = ran
    user = sqlite_api.client("User")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    preview = user.post(f"/ui/dags/{dag_id}/dagRuns/{run_id}/actionPreview/mark",
                        json={"task_id": "ok", "new_state": "skipped", "include_downstream": True})
    assert preview.status_code == 200, preview.text
    dry = user.patch(f"{url}/ok/dry_run", json={"new_state": "skipped", "include_downstream": True}).json()
    assert _pairs(preview.json()["task_instances"]) == _pairs(dry["task_instances"])
    assert preview.json()["total_entries"] == 6
    one = user.post(f"/ui/dags/{dag_id}/dagRuns/{run_id}/actionPreview/mark",
                    json={"task_id": "mapped", "map_index": 1, "new_state": "failed"}).json()
    assert _pairs(one["task_instances"]) == {("mapped", 1)}
    # already in that state: nothing to mark
    none = user.post(f"/ui/dags/{dag_id}/dagRuns/{run_id}/actionPreview/mark",
                     json={"task_id": "bad", "new_state": "failed"}).json()
    assert none == {"total_entries": 0, "states": {}, "task_instances": []}


def test_refusals(sqlite_api, ran):
    dag_id, run_id = ran
    user = sqlite_api.client("User")
    mark = f"/ui/dags/{dag_id}/dagRuns/{run_id}/actionPreview/mark"
    assert user.post(mark, json={"task_id": "nope", "new_state": "failed"}).status_code == 404
    assert user.post(f"/ui/dags/{dag_id}/dagRuns/nope/actionPreview/mark",
                     json={"task_id": "ok", "new_state": "failed"}).status_code == 404
    assert user.post(mark, json={"task_id": "ok", "new_state": "running"}).status_code == 422
    assert user.post(mark, json={"task_id": "ok", "new_state": "failed", "limit": 10**6}).status_code == 422
    clear = f"/ui/dags/{dag_id}/actionPreview/clear"
    assert user.post(clear, json={"dag_run_id": "nope"}).status_code == 404
    assert user.post(clear, json={"dag_run_id": run_id, "task_ids": ["nope"]}).status_code == 404
    assert user.post("/ui/dags/nope/actionPreview/clear", json={"dag_run_id": run_id}).status_code == 404
    viewer = sqlite_api.client("Viewer")
    assert viewer.post(clear, json={"dag_run_id": run_id}).status_code == 403
    assert sqlite_api.client(None).post(clear, json={"dag_run_id": run_id}).status_code == 401
