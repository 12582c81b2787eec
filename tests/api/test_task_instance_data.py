"""What a task instance keeps, through /api/v2: its XCom entries (list, get native, stringified or
masked by key, add, change, delete) and its state store keys."""

from __future__ import annotations

import pytest

from .tis_helpers import TIS, ran_dag


@pytest.fixture(scope="module")
def ran(api):
    return ran_dag(api)


def _url(dag_id, run_id, task_id):
    return TIS.format(dag_id=dag_id, run_id=run_id) + f"/{task_id}/xcomEntries"


def test_list_entries_of_a_task_and_across_everything(api, ran):
    from airflow_client.client.models.x_com_collection_response import XComCollectionResponse

    dag_id, run_id = ran
    viewer = api.client("Viewer")
    answer = viewer.get(_url(dag_id, run_id, "push"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert sorted(e["key"] for e in body["xcom_entries"]) == ["api_password", "return_value"]
    assert "value" not in body["xcom_entries"][0] and body["total_entries"] == 2
    XComCollectionResponse.from_dict(body)
    mapped = viewer.get(_url(dag_id, run_id, "mapped"), params={"order_by": "-map_index"}).json()
    assert [e["map_index"] for e in mapped["xcom_entries"]] == [2, 1, 0]
    everywhere = viewer.get(_url("~", "~", "~"), params={"dag_display_name_pattern": dag_id,
                                                         "xcom_key": "return_value", "limit": 100}).json()
    assert everywhere["total_entries"] == 5  # ok, push, mapped x3
    assert viewer.get(_url(dag_id, run_id, "push"), params={"xcom_key_pattern": "pass"}).json()["total_entries"] == 1
    assert viewer.get(_url(dag_id, "no_run", "push")).status_code == 404
    assert viewer.get(_url(dag_id, run_id, "push"), params={"order_by": "value"}).status_code == 400


def test_get_an_entry_native_stringified_and_masked(api, ran):
    from airflow_client.client.models.x_com_response_native import XComResponseNative

    dag_id, run_id = ran
    viewer = api.client("Viewer")
    native = viewer.get(_url(dag_id, run_id, "push") + "/return_value")
    assert native.status_code == 200 and native.json()["value"] == {"a": [1, 2]}
    XComResponseNative.from_dict(native.json())
    text = viewer.get(_url(dag_id, run_id, "push") + "/return_value", params={"stringify": True, "deserialize": True})
    assert text.json()["value"] == "{'a': [1, 2]}"
    secret = viewer.get(_url(dag_id, run_id, "push") + "/api_password")
    assert secret.json()["value"] == "***"
    assert viewer.get(_url(dag_id, run_id, "mapped") + "/return_value", params={"map_index": 2}).json()["value"] == 30
    missing = viewer.get(_url(dag_id, run_id, "push") + "/nope")
    assert missing.status_code == 404 and "nope" in missing.json()["detail"]


def test_add_change_and_delete_need_the_user_role(api, ran):
    dag_id, run_id = ran
    user, viewer = api.client("User"), api.client("Viewer")
    url = _url(dag_id, run_id, "ok")
    assert viewer.post(url, json={"key": "k", "value": 1}).status_code == 403
    assert api.client(None).post(url, json={"key": "k", "value": 1}).status_code == 401
    created = user.post(url, json={"key": "k", "value": {"x": 1}})
    assert created.status_code == 201, created.text
    assert created.json()["value"] == {"x": 1}
    assert user.post(url, json={"key": "k", "value": 2}).status_code == 409
    changed = user.patch(url + "/k", json={"value": [3]})
    assert changed.status_code == 200 and changed.json()["value"] == [3]
    assert viewer.get(url + "/k").json()["value"] == [3]
    assert user.patch(url + "/nope", json={"value": 1}).status_code == 404
    assert user.post(_url(dag_id, run_id, "no_task"), json={"key": "k", "value": 1}).status_code == 404
    assert viewer.delete(url + "/k").status_code == 403
    assert user.delete(url + "/k").status_code == 204
    assert viewer.get(url + "/k").status_code == 404


def test_the_state_store_of_a_task_instance(api, ran):
    dag_id, run_id = ran
    user, viewer = api.client("User"), api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run_id) + "/ok/state-store"
    assert viewer.get(url).json() == {"task_state_store": [], "total_entries": 0}
    assert viewer.put(url + "/job", json={"value": {"id": 7}}).status_code == 403
    assert user.put(url + "/job", json={"value": {"id": 7}}).status_code == 204
    assert user.put(url + "/forever", json={"value": 1, "expires_at": None}).status_code == 204
    job = viewer.get(url + "/job").json()
    assert job["value"] == {"id": 7} and job["expires_at"] is not None
    listed = viewer.get(url).json()
    assert [k["key"] for k in listed["task_state_store"]] == ["forever", "job"] and listed["total_entries"] == 2
    patched = user.patch(url + "/job", json={"value": {"id": 8}})
    assert patched.status_code == 200 and patched.json()["expires_at"] == job["expires_at"]
    assert user.patch(url + "/nope", json={"value": 1}).status_code == 404
    assert user.put(url + "/bad", json={"value": None}).status_code == 400
    assert user.delete(url + "/job").status_code == 204
    assert viewer.get(url + "/job").status_code == 404
    mapped = TIS.format(dag_id=dag_id, run_id=run_id) + "/mapped/state-store"
    assert user.put(mapped + "/k", params={"map_index": 2}, json={"value": "x"}).status_code == 204
    assert user.delete(mapped, params={"all_map_indices": True}).status_code == 204
    assert viewer.get(mapped, params={"map_index": 2}).json()["total_entries"] == 0
    assert user.delete(url).status_code == 204
    assert viewer.get(url).json()["total_entries"] == 0
    assert viewer.get(TIS.format(dag_id=dag_id, run_id=run_id) + "/nope/state-store").status_code == 404


def test_the_official_client_calls_these_endpoints(api, ran):
    import airflow_client.client as client
    from airflow_client.client.api.task_instance_api import TaskInstanceApi
    from airflow_client.client.api.task_state_store_api import TaskStateStoreApi
    from airflow_client.client.api.x_com_api import XComApi
    from airflow_client.client.models.clear_task_instances_body import ClearTaskInstancesBody
    from airflow_client.client.models.patch_task_instance_body import PatchTaskInstanceBody

    dag_id, run_id = ran
    configuration = client.Configuration(host=api.url, access_token=api.tokens["User"])
    with client.ApiClient(configuration) as connection:
        tis = TaskInstanceApi(connection)
        listed = tis.get_task_instances(dag_id, run_id, state=["success"], order_by=["-map_index"], limit=10)
        assert listed.total_entries == 5 and listed.task_instances[0].map_index == 2
        mapped = tis.get_mapped_task_instances(dag_id, run_id, "mapped", limit=2)
        assert mapped.total_entries == 3
        assert tis.get_mapped_task_instance(dag_id, run_id, "mapped", 1).map_index == 1
        assert tis.get_task_instance(dag_id, run_id, "ok").state.value == "success"
        assert tis.get_task_instance_tries(dag_id, run_id, "bad").total_entries == 1
        log = tis.get_log(dag_id, run_id, "ok", 1, full_content=True)
        assert any(getattr(line, "event", "") == "ok ran" for line in log.content.actual_instance)
        assert tis.get_task_instance_dependencies(dag_id, run_id, "ok").dependencies
        dry_clear = tis.post_clear_task_instances(dag_id, ClearTaskInstancesBody(dry_run=True, dag_run_id=run_id))
        assert sorted(t.task_id for t in dry_clear.task_instances) == ["after", "bad"]
        dry_mark = tis.patch_task_instance_dry_run(dag_id, run_id, "bad", PatchTaskInstanceBody(new_state="success"))
        assert [t.task_id for t in dry_mark.task_instances] == ["bad"]
        xcoms = XComApi(connection)
        assert xcoms.get_xcom_entry(dag_id, "ok", run_id, "return_value").actual_instance.value == 1
        assert xcoms.get_xcom_entries(dag_id, run_id, "mapped").total_entries == 3
        assert TaskStateStoreApi(connection).list_task_state_store(dag_id, run_id, "push").total_entries == 0
