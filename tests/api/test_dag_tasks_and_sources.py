"""``/api/v2/dags/{dag_id}/tasks``, ``/api/v2/dagSources/{dag_id}`` and ``/api/v2/importErrors``."""

from __future__ import annotations

import pytest

DAG = '''
from datetime import datetime, timedelta
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator
from airflow.operators.empty import EmptyOperator

with DAG("shaped", schedule=None, params={"n": Param(3, type="integer")}):
    first = BashOperator(task_id="first", bash_command="echo hi", retries=3, retry_delay=timedelta(minutes=2),
                         execution_timeout=timedelta(hours=1, seconds=5), pool_slots=2, doc_md="Says hi")
    last = EmptyOperator(task_id="a_last", trigger_rule="one_failed", params={"extra": 1})
    fan = BashOperator.partial(task_id="fan").expand(bash_command=["echo 1", "echo 2"])
    first >> [last, fan]
'''

BROKEN = '''
from airflow import DAG
raise ValueError("broken on purpose")
'''


@pytest.fixture(scope="module")
def seeded(api):
    api.write_dag("shaped.py", DAG)
    api.write_dag("broken_one.py", BROKEN)
    api.write_dag("broken_two.py", BROKEN.replace("on purpose", "as well"))
    api.parse()
    return api


def test_tasks_of_a_dag(seeded):
    viewer = seeded.client("Viewer")
    answer = viewer.get("/api/v2/dags/shaped/tasks")
    assert answer.status_code == 200
    body = answer.json()
    assert body["total_entries"] == 3
    assert [t["task_id"] for t in body["tasks"]] == ["a_last", "fan", "first"]
    first = body["tasks"][2]
    assert first["operator_name"] == "BashOperator"
    assert first["class_ref"] == {"module_path": "slipstream.operators.bash", "class_name": "BashOperator"}
    assert first["retries"] == 3 and first["pool_slots"] == 2 and first["doc_md"] == "Says hi"
    assert first["retry_delay"] == {"__type": "TimeDelta", "days": 0, "seconds": 120, "microseconds": 0}
    assert first["execution_timeout"]["seconds"] == 3605
    assert sorted(first["downstream_task_ids"]) == ["a_last", "fan"]
    assert "bash_command" in first["template_fields"]
    assert first["params"]["n"]["value"] == 3 and first["is_mapped"] is False
    by_id = {t["task_id"]: t for t in body["tasks"]}
    assert by_id["fan"]["is_mapped"] is True
    assert by_id["a_last"]["trigger_rule"] == "one_failed" and set(by_id["a_last"]["params"]) == {"n", "extra"}
    ordered = viewer.get("/api/v2/dags/shaped/tasks", params={"order_by": "-retries"}).json()
    assert ordered["tasks"][0]["task_id"] == "first"
    bad = viewer.get("/api/v2/dags/shaped/tasks", params={"order_by": "bogus"})
    assert bad.status_code == 400 and "task_id" in bad.json()["detail"]
    assert viewer.get("/api/v2/dags/nope/tasks").status_code == 404


def test_one_task(seeded):
    viewer = seeded.client("Viewer")
    answer = viewer.get("/api/v2/dags/shaped/tasks/first")
    assert answer.status_code == 200 and answer.json()["task_id"] == "first"
    missing = viewer.get("/api/v2/dags/shaped/tasks/nope")
    assert missing.status_code == 404 and "first" in missing.json()["detail"]
    assert seeded.client(None).get("/api/v2/dags/shaped/tasks/first").status_code == 401


def test_dag_source(seeded):
    viewer = seeded.client("Viewer")
    answer = viewer.get("/api/v2/dagSources/shaped")
    assert answer.status_code == 200
    body = answer.json()
    assert body["dag_id"] == "shaped" and 'with DAG("shaped"' in body["content"] and body["version_number"] is None
    text = viewer.get("/api/v2/dagSources/shaped", headers={"Accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain") and text.text == body["content"]
    assert viewer.get("/api/v2/dagSources/shaped", params={"version_number": 2}).status_code == 501
    assert viewer.get("/api/v2/dagSources/nope").status_code == 404
    assert seeded.client(None).get("/api/v2/dagSources/shaped").status_code == 401


def test_a_dag_whose_file_is_gone_or_broken(seeded):
    path = seeded.write_dag("vanishing_only.py", """
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("vanishing_dag", schedule=None):
    EmptyOperator(task_id="left")
""")
    seeded.write_dag("breaking.py", "from airflow import DAG\nwith DAG('breaking_dag', schedule=None):\n    pass\n")
    seeded.parse()
    path.unlink()
    seeded.write_dag("breaking.py", BROKEN)
    viewer = seeded.client("Viewer")
    answer = viewer.get("/api/v2/dagSources/vanishing_dag")
    assert answer.status_code == 404
    assert "vanishing_only.py" in answer.json()["detail"] and "gone" in answer.json()["detail"]
    seeded.parse()
    assert viewer.get("/api/v2/dags/vanishing_dag").json()["is_stale"] is True
    listed = viewer.get("/api/v2/dags", params={"dag_id_pattern": "vanishing"}).json()
    assert listed["total_entries"] == 0
    listed = viewer.get("/api/v2/dags", params={"dag_id_pattern": "vanishing", "exclude_stale": False}).json()
    assert [dag["dag_id"] for dag in listed["dags"]] == ["vanishing_dag"]
    assert [t["task_id"] for t in viewer.get("/api/v2/dags/vanishing_dag/tasks").json()["tasks"]] == ["left"]
    broken = viewer.get("/api/v2/dags", params={"has_import_errors": True, "exclude_stale": False}).json()
    assert [(dag["dag_id"], dag["is_stale"]) for dag in broken["dags"]] == [("breaking_dag", True)]


def test_import_errors(seeded):
    viewer = seeded.client("Viewer")
    answer = viewer.get("/api/v2/importErrors", params={"filename_pattern": "broken_", "order_by": "filename"})
    assert answer.status_code == 200
    body = answer.json()
    assert body["total_entries"] == 2
    first = body["import_errors"][0]
    assert first["filename"].endswith("broken_one.py") and first["bundle_name"] == "dags-folder"
    assert "broken on purpose" in first["stack_trace"] and first["timestamp"]
    one = viewer.get(f"/api/v2/importErrors/{first['import_error_id']}")
    assert one.status_code == 200 and one.json() == first
    newest_first = viewer.get("/api/v2/importErrors", params={"filename_pattern": "broken_", "order_by": "-filename",
                                                              "limit": 1}).json()
    assert newest_first["import_errors"][0]["filename"].endswith("broken_two.py")
    assert newest_first["total_entries"] == 2
    assert viewer.get("/api/v2/importErrors", params={"order_by": "nope"}).status_code == 400
    assert viewer.get("/api/v2/importErrors/999999").status_code == 404
    assert viewer.get(f"/api/v2/importErrors/{2**70}").status_code == 422
    assert seeded.client(None).get("/api/v2/importErrors").status_code == 401


def test_the_official_clients_models_read_the_answers(seeded):
    from airflow_client.client.models.dag_source_response import DAGSourceResponse
    from airflow_client.client.models.import_error_collection_response import ImportErrorCollectionResponse
    from airflow_client.client.models.task_collection_response import TaskCollectionResponse

    viewer = seeded.client("Viewer")
    tasks = TaskCollectionResponse.from_dict(viewer.get("/api/v2/dags/shaped/tasks").json())
    assert {task.task_id for task in tasks.tasks} == {"first", "a_last", "fan"}
    assert DAGSourceResponse.from_dict(viewer.get("/api/v2/dagSources/shaped").json()).dag_id == "shaped"
    errors = ImportErrorCollectionResponse.from_dict(viewer.get("/api/v2/importErrors").json())
    assert errors.total_entries >= 2
