"""A try's log through /api/v2: JSON, NDJSON and text, whole or tailed with continuation tokens."""

from __future__ import annotations

import json
import time

from .tis_helpers import TIS, run, wait_for_run, write_and_parse

SLOW_DAG = """
import time
import pendulum
from airflow import DAG
from airflow.decorators import task

with DAG("{dag_id}", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
    @task
    def talk():
        print("first line", flush=True)
        time.sleep(1.5)
        print("second line", flush=True)

    talk()
"""


def _events(answer):
    return [line["event"] for line in answer.json()["content"]]


def test_tail_a_running_tasks_log_with_the_continuation_token(api):
    dag_id = api.unique("logs")
    write_and_parse(api, dag_id, SLOW_DAG)
    run_id = run(api, dag_id, wait=False)
    viewer = api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run_id) + "/talk/logs/1"
    seen: list[str] = []
    token = None
    saw_token_while_running = False
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answer = viewer.get(url, params={"token": token} if token else {})
        if answer.status_code == 404:  # not queued yet
            time.sleep(0.05)
            continue
        assert answer.status_code == 200, answer.text
        seen += _events(answer)
        token = answer.json()["continuation_token"]
        if token is None:
            break
        if "first line" in seen and "second line" not in seen:
            saw_token_while_running = True
        time.sleep(0.1)
    assert saw_token_while_running, "the first line was read while the task still ran"
    assert seen.count("first line") == 1 and seen.count("second line") == 1  # nothing twice, nothing lost
    assert seen[-1].startswith("Marking task as SUCCESS")
    assert wait_for_run(api, dag_id, run_id) == "success"
    whole = viewer.get(url, params={"full_content": True})
    assert _events(whole) == seen and whole.json()["continuation_token"] is None
    stamped = [line for line in whole.json()["content"] if line["event"].startswith("Marking")][0]
    assert stamped["timestamp"] and stamped["level"] == "info"


def test_text_ndjson_errors_and_roles(api):
    dag_id = api.unique("logs")
    write_and_parse(api, dag_id, SLOW_DAG.replace("time.sleep(1.5)", "pass"))
    run_id = run(api, dag_id)
    viewer = api.client("Viewer")
    url = TIS.format(dag_id=dag_id, run_id=run_id) + "/talk/logs/1"
    text = viewer.get(url, headers={"Accept": "text/plain"})
    assert text.status_code == 200 and text.headers["content-type"].startswith("text/plain")
    assert "first line\nsecond line\n" in text.text
    ndjson = viewer.get(url, headers={"Accept": "application/x-ndjson"})
    events = [json.loads(line)["event"] for line in ndjson.text.splitlines()]
    assert events.index("second line") == events.index("first line") + 1
    assert "Airflow-Continuation-Token" not in ndjson.headers  # the try is over
    bad = viewer.get(url, params={"token": "made-up.token"})
    assert bad.status_code == 400 and "continuation token" in bad.json()["detail"]
    other = TIS.format(dag_id=dag_id, run_id=run_id) + "/talk/logs/2"
    assert viewer.get(other).status_code == 404
    assert viewer.get(TIS.format(dag_id=dag_id, run_id=run_id) + "/nope/logs/1").status_code == 404
    assert api.client(None).get(url).status_code == 401
    external = viewer.get(TIS.format(dag_id=dag_id, run_id=run_id) + "/talk/externalLogUrl/1")
    assert external.status_code == 501 and "External log" in external.json()["detail"]


def test_the_official_client_reads_a_log(api):
    from airflow_client.client.models.task_instances_log_response import TaskInstancesLogResponse

    dag_id = api.unique("logs")
    write_and_parse(api, dag_id, SLOW_DAG.replace("time.sleep(1.5)", "pass"))
    run_id = run(api, dag_id)
    answer = api.client("Viewer").get(TIS.format(dag_id=dag_id, run_id=run_id) + "/talk/logs/1")
    parsed = TaskInstancesLogResponse.from_dict(answer.json())
    assert parsed.continuation_token is None
    assert any(m.event == "second line" for m in parsed.content.actual_instance)
