"""Task instances through /api/v2: list, batch, get, mapped, tries, dependencies, set state, clear."""

from __future__ import annotations

import uuid

import pytest

from slipstream.store import dag_runs

from .tis_helpers import TIS, ran_dag, wait_for_run


@pytest.fixture(scope="module")
def ran(api):
    """One run of the test DAG, finished: ok, push and mapped[0..2] succeeded, bad failed, after upstream_failed."""
    return ran_dag(api)


def _states(api, dag_id, run_id):
    answer = api.client("Viewer").get(TIS.format(dag_id=dag_id, run_id=run_id), params={"limit": 100})
    assert answer.status_code == 200, answer.text
    return {(t["task_id"], t["map_index"]): t["state"] for t in answer.json()["task_instances"]}


def test_list_a_runs_task_instances_with_every_field_the_client_needs(api, ran):
    from airflow_client.client.models.task_instance_collection_response import TaskInstanceCollectionResponse

    dag_id, run_id = ran
    answer = api.client("Viewer").get(TIS.format(dag_id=dag_id, run_id=run_id))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total_entries"] == 7
    parsed = TaskInstanceCollectionResponse.from_dict(body)  # the official client's model reads it
    by_task = {(t.task_id, t.map_index): t for t in parsed.task_instances}
    assert by_task[("ok", -1)].state.value == "success" and by_task[("bad", -1)].state.value == "failed"
    assert by_task[("after", -1)].state.value == "upstream_failed"
    assert {by_task[("mapped", i)].state.value for i in range(3)} == {"success"}
    ok = next(t for t in body["task_instances"] if t["task_id"] == "ok")
    assert uuid.UUID(ok["id"]) and ok["dag_run_id"] == run_id and ok["try_number"] == 1
    assert ok["operator_name"] and ok["executor_config"] == "{}" and ok["hostname"] and ok["pid"]
    assert ok["start_date"].endswith(("+00:00", "Z")) and ok["duration"] >= 0


def test_filters_order_and_paging(api, ran):
    dag_id, run_id = ran
    viewer = api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    failed = viewer.get(url, params={"state": ["failed", "upstream_failed"]}).json()
    assert sorted(t["task_id"] for t in failed["task_instances"]) == ["after", "bad"]
    by_task = viewer.get(url, params={"task_id": "mapped", "order_by": "-map_index", "limit": 2, "offset": 1}).json()
    assert [t["map_index"] for t in by_task["task_instances"]] == [1, 0] and by_task["total_entries"] == 3
    assert viewer.get(url, params={"map_index": [0, 2]}).json()["total_entries"] == 2
    assert viewer.get(url, params={"duration_gte": 0, "pool": "default_pool"}).json()["total_entries"] == 6  # not upstream_failed
    assert viewer.get(url, params={"start_date_gt": "2999-01-01T00:00:00Z"}).json()["total_entries"] == 0
    bad_order = viewer.get(url, params={"order_by": "nope"})
    assert bad_order.status_code == 400 and "Cannot order" in bad_order.json()["detail"]
    assert viewer.get(url, params={"state": "weird"}).status_code == 400
    assert viewer.get(url, params={"map_index": 2**70}).status_code == 422  # not a database overflow
    assert viewer.get(url, params={"start_date_gt": "0001-01-01T00:00:00+05:00"}).status_code == 400
    assert viewer.get(url, params={"start_date_gt": "2999-01-01T00:00:00"}).json()["total_entries"] == 0  # naive: UTC
    assert viewer.get(url, params={"updated_at_gte": "2024-01-01T00:00:00Z"}).status_code == 501
    first = viewer.get(url, params={"cursor": "", "limit": 4}).json()
    assert first["previous_cursor"] is None and first["next_cursor"]
    second = viewer.get(url, params={"cursor": first["next_cursor"], "limit": 4}).json()
    assert len(second["task_instances"]) == 3 and second["next_cursor"] is None
    ids = {t["id"] for t in first["task_instances"]} | {t["id"] for t in second["task_instances"]}
    assert len(ids) == 7


def test_list_across_dags_and_runs_and_the_batch_list(api, ran):
    dag_id, run_id = ran
    viewer = api.client("Viewer")
    everything = viewer.get(TIS.format(dag_id="~", run_id="~"), params={"dag_id_pattern": dag_id, "limit": 100})
    assert everything.status_code == 200 and everything.json()["total_entries"] == 7
    batch = viewer.post(TIS.format(dag_id="~", run_id="~") + "/list",
                        json={"dag_ids": [dag_id], "task_ids": ["ok", "bad"], "order_by": "-start_date"})
    assert batch.status_code == 200, batch.text
    assert {t["task_id"] for t in batch.json()["task_instances"]} == {"ok", "bad"}
    assert viewer.post(TIS.format(dag_id=dag_id, run_id="~") + "/list", json={}).status_code == 400
    assert viewer.post(TIS.format(dag_id="~", run_id="~") + "/list", json={"nope": 1}).status_code == 422


def test_get_one_a_mapped_one_and_the_404s(api, ran):
    dag_id, run_id = ran
    viewer = api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    ok = viewer.get(f"{url}/ok")
    assert ok.status_code == 200 and ok.json()["task_display_name"] == "ok"
    second = viewer.get(f"{url}/mapped/1")
    assert second.status_code == 200 and second.json()["map_index"] == 1
    mapped = viewer.get(f"{url}/mapped")
    assert mapped.status_code == 404 and "mapped" in mapped.json()["detail"]
    assert viewer.get(f"{url}/nope").status_code == 404
    assert viewer.get(f"{url}/mapped/7").status_code == 404
    assert viewer.get(f"{url}/mapped/{2**70}").status_code == 422
    missing_run = viewer.get(TIS.format(dag_id=dag_id, run_id="no_run") + "/ok")
    assert missing_run.status_code == 404 and "no_run" in missing_run.json()["detail"]
    assert viewer.get(TIS.format(dag_id="no_dag", run_id="r")).status_code == 404


def test_list_mapped_pages_and_filters(api, ran):
    dag_id, run_id = ran
    viewer = api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    page = viewer.get(f"{url}/mapped/listMapped", params={"limit": 2, "order_by": "-map_index"}).json()
    assert page["total_entries"] == 3 and [t["map_index"] for t in page["task_instances"]] == [2, 1]
    assert viewer.get(f"{url}/mapped/listMapped", params={"state": "failed"}).json()["total_entries"] == 0
    assert viewer.get(f"{url}/nope/listMapped").status_code == 404
    unmapped = viewer.get(f"{url}/ok/listMapped")
    assert unmapped.status_code == 404 and "not mapped" in unmapped.json()["detail"]


def test_tries_and_dependencies(api, ran):
    dag_id, run_id = ran
    viewer = api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    tries = viewer.get(f"{url}/bad/tries").json()
    assert tries["total_entries"] == 1 and tries["task_instances"][0]["state"] == "failed"
    one = viewer.get(f"{url}/bad/tries/1")
    assert one.status_code == 200 and one.json()["try_number"] == 1
    assert viewer.get(f"{url}/bad/tries/5").status_code == 404
    assert viewer.get(f"{url}/mapped/2/tries").json()["task_instances"][0]["map_index"] == 2
    deps = viewer.get(f"{url}/after/dependencies").json()["dependencies"]
    assert deps and deps[0]["name"] == "Task Instance State"


def test_roles_anonymous_401_viewer_403(api, ran):
    dag_id, run_id = ran
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    assert api.client(None).get(url).status_code == 401
    viewer = api.client("Viewer")
    assert viewer.patch(f"{url}/ok", json={"new_state": "failed"}).status_code == 403
    assert viewer.post(f"/api/v2/dags/{dag_id}/clearTaskInstances", json={"dry_run": True}).status_code == 403


def test_mark_dry_run_then_success_clears_the_failed_downstream(api):
    dag_id, run_id = ran_dag(api)
    user = api.client("User")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    dry = user.patch(f"{url}/bad/dry_run", json={"new_state": "success"})
    assert dry.status_code == 200, dry.text
    assert [(t["task_id"], t["state"]) for t in dry.json()["task_instances"]] == [("bad", "failed")]
    assert _states(api, dag_id, run_id)[("bad", -1)] == "failed"
    marked = user.patch(f"{url}/bad", json={"new_state": "success", "note": "fixed by hand"})
    assert marked.status_code == 200, marked.text
    [bad] = marked.json()["task_instances"]
    assert bad["state"] == "success" and bad["note"] == "fixed by hand" and bad["try_number"] == 1
    assert wait_for_run(api, dag_id, run_id) == "success"  # `after` was cleared and ran
    assert _states(api, dag_id, run_id)[("after", -1)] == "success"
    note_only = user.patch(f"{url}/ok", json={"note": "looked at"}, params={"update_mask": "note"})
    assert note_only.json()["task_instances"][0]["note"] == "looked at"
    assert note_only.json()["task_instances"][0]["state"] == "success"
    assert user.patch(f"{url}/ok", json={"new_state": "running"}).status_code == 422
    assert user.patch(f"{url}/ok", json={}).status_code == 400
    assert user.patch(f"{url}/nope", json={"new_state": "failed"}).status_code == 404


def test_mark_with_relatives_and_a_mapped_instance(api, ran):
    dag_id, run_id = ran
    user = api.client("User")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    dry = user.patch(f"{url}/ok/dry_run", json={"new_state": "skipped", "include_downstream": True}).json()
    assert {(t["task_id"], t["map_index"]) for t in dry["task_instances"]} == {
        ("ok", -1), ("bad", -1), ("after", -1), ("mapped", 0), ("mapped", 1), ("mapped", 2)}
    one = user.patch(f"{url}/mapped/1/dry_run", json={"new_state": "failed"}).json()
    assert [(t["task_id"], t["map_index"]) for t in one["task_instances"]] == [("mapped", 1)]
    assert _states(api, dag_id, run_id)[("mapped", 1)] == "success"  # dry runs change nothing


def test_clear_dry_run_then_clear_and_it_runs_again(api):
    dag_id, run_id = ran_dag(api)
    user = api.client("User")
    clear = f"/api/v2/dags/{dag_id}/clearTaskInstances"
    dry = user.post(clear, json={"dag_run_id": run_id})  # dry_run and only_failed are Airflow's defaults
    assert dry.status_code == 200, dry.text
    assert sorted(t["task_id"] for t in dry.json()["task_instances"]) == ["after", "bad"]
    assert _states(api, dag_id, run_id)[("bad", -1)] == "failed"
    picked = user.post(clear, json={"dry_run": True, "only_failed": False, "task_ids": [["mapped", 1], "push"]})
    assert sorted((t["task_id"], t["map_index"]) for t in picked.json()["task_instances"]) == [("mapped", 1), ("push", -1)]
    done = user.post(clear, json={"dry_run": False, "dag_run_id": run_id, "task_ids": ["bad"],
                                  "include_downstream": True, "note": "again"})
    assert done.status_code == 200 and len(done.json()["task_instances"]) == 2
    assert wait_for_run(api, dag_id, run_id) == "failed"  # bad fails again: it ran again
    tries = api.client("Viewer").get(f"{TIS.format(dag_id=dag_id, run_id=run_id)}/bad/tries").json()
    assert [(t["try_number"], t["state"]) for t in tries["task_instances"]] == [(1, "failed"), (2, "failed")]
    assert tries["task_instances"][0]["end_date"] is not None and tries["task_instances"][0]["pid"]
    assert user.post(clear, json={"task_ids": ["nope"]}).status_code == 404
    assert user.post("/api/v2/dags/no_dag/clearTaskInstances", json={}).status_code == 404
    kept = user.post(clear, json={"dry_run": False, "dag_run_id": run_id, "task_ids": ["after"],
                                  "reset_dag_runs": False})
    assert [t["task_id"] for t in kept.json()["task_instances"]] == ["after"]
    with api.db.read() as session:
        assert dag_runs.get(session, dag_id, run_id).state == "failed"  # not re-opened
    assert _states(api, dag_id, run_id)[("after", -1)] is None


def test_bulk_marks_and_notes_each_entity_on_its_own(api, ran):
    dag_id, run_id = ran
    user = api.client("User")
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    body = {"actions": [
        {"action": "update", "action_on_non_existence": "skip", "entities": [
            {"task_id": "push", "new_state": "skipped"},
            {"task_id": "mapped", "map_index": 2, "note": "checked"},
            {"task_id": "nope", "new_state": "failed"},
        ]},
        {"action": "create", "entities": [{"task_id": "ok"}]},
        {"action": "delete", "entities": ["ok"]},
    ]}
    assert api.client("Viewer").patch(url, json=body).status_code == 403
    answer = user.patch(url, json=body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["update"] == {"success": [f"{dag_id}.{run_id}.push[-1]", f"{dag_id}.{run_id}.mapped[2]"],
                                "errors": []}
    assert result["create"]["errors"][0]["status_code"] == 405
    assert result["delete"]["errors"][0]["status_code"] == 501
    assert _states(api, dag_id, run_id)[("push", -1)] == "skipped"
    assert api.client("Viewer").get(f"{url}/mapped/2").json()["note"] == "checked"
    strict = user.patch(url, json={"actions": [{"action": "update", "entities": [{"task_id": "nope", "note": "x"}]}]})
    assert strict.json()["update"]["errors"][0]["status_code"] == 404
    across = user.patch(TIS.format(dag_id="~", run_id="~"),
                        json={"actions": [{"action": "update", "entities": [{"task_id": "ok", "note": "x"}]}]})
    assert across.json()["update"]["errors"][0]["status_code"] == 400


GROUP_DAG = """
import pendulum
from airflow import DAG
from airflow.decorators import task
from airflow.utils.task_group import TaskGroup

with DAG("{dag_id}", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
    @task
    def a():
        return 1

    @task
    def b():
        return 2

    @task
    def c():
        return 3

    with TaskGroup("grp"):
        inner = b() >> c()
    a() >> inner
"""


def test_mark_a_task_group(api):
    from .tis_helpers import run, write_and_parse

    dag_id = api.unique("group")
    write_and_parse(api, dag_id, GROUP_DAG)
    run_id = run(api, dag_id)
    user = api.client("User")
    url = f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskGroupInstances/grp"
    dry = user.patch(url + "/dry_run", json={"new_state": "failed"})
    assert dry.status_code == 200, dry.text
    assert sorted(t["task_id"] for t in dry.json()["task_instances"]) == ["grp.b", "grp.c"]
    assert _states(api, dag_id, run_id)[("grp.b", -1)] == "success"
    done = user.patch(url, json={"new_state": "failed", "note": "redo"})
    assert {(t["task_id"], t["state"], t["note"]) for t in done.json()["task_instances"]} == {
        ("grp.b", "failed", "redo"), ("grp.c", "failed", "redo")}
    assert _states(api, dag_id, run_id)[("a", -1)] == "success"
    assert user.patch(f"/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskGroupInstances/nope",
                      json={"new_state": "failed"}).status_code == 404
    assert api.client("Viewer").patch(url, json={"new_state": "failed"}).status_code == 403


def test_dependencies_of_a_waiting_task_instance(api):
    from slipstream.dagfiles.manual_runs import trigger_dag
    from slipstream.store import dags

    from .tis_helpers import DAG_SOURCE, write_and_parse

    dag_id = api.unique("waiting")
    write_and_parse(api, dag_id, DAG_SOURCE.replace("{retries}", "0"))
    with api.db.write() as session:
        dags.set_paused(session, dag_id, True)
    run_id = trigger_dag(api.db, dag_id).run_id  # a paused DAG's run waits: nothing runs
    url = TIS.format(dag_id=dag_id, run_id=run_id)
    deps = {d["name"]: d["reason"] for d in api.client("Viewer").get(f"{url}/bad/dependencies").json()["dependencies"]}
    assert "paused" in deps["Dag Not Paused"]
    assert "'all_success'" in deps["Trigger Rule"] and "1 upstream" in deps["Trigger Rule"]
    assert api.client("Viewer").get(f"{url}/bad/5/dependencies").status_code == 404
