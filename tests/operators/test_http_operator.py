"""HttpOperator and SimpleHttpOperator in a DAG file, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from local_servers import http_server

from slipstream.executors.inline import InlineExecutor
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances, xcoms

HTTP_DAG = """
import json
from datetime import datetime
from airflow import DAG
from airflow.providers.http.operators.http import HttpOperator
from airflow.operators.http_operator import SimpleHttpOperator

def next_page(response):
    following = response.json()["next"]
    return None if following is None else {"data": {"page": following}}

with DAG("http_calls", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    HttpOperator(
        task_id="post", http_conn_id="api", endpoint="echo/{{ ds }}", method="POST",
        data=json.dumps({"run": "{{ run_id }}"}), headers={"Content-Type": "application/json"},
        response_check=lambda response: response.json()["method"] == "POST",
        response_filter=lambda response, ds: [response.json()["path"], json.loads(response.json()["body"]), ds],
        log_response=True,
    )
    SimpleHttpOperator(task_id="text", http_conn_id="api", endpoint="echo", method="GET", data={"q": "1"})
    HttpOperator(task_id="refused", http_conn_id="api", endpoint="echo", method="GET",
                 response_check=lambda response: "nothing" in response.text)
    HttpOperator(task_id="missing", http_conn_id="api", endpoint="status/404", method="GET")
    HttpOperator(
        task_id="pages", http_conn_id="api", endpoint="pages", method="GET", data={"page": 1},
        pagination_function=next_page,
        response_filter=lambda responses: [item for r in responses for item in r.json()["items"]],
    )
"""


@pytest.fixture
def api(monkeypatch):
    with http_server() as server:
        monkeypatch.setenv("AIRFLOW_CONN_API", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1], "extra": {"X-Source": "dag"},
        }))
        yield server


def test_http_operators_check_filter_and_fail(settings, db, write_dag, parse, api):
    write_dag("http_calls.py", HTTP_DAG)
    parse()
    run = run_dag_to_end(settings, db, "http_calls", executor=InlineExecutor(settings, db), timeout=60)
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "http_calls", run.run_id)}

        def xcom(task_id):
            return xcoms.pull(session, dag_id="http_calls", run_id=run.run_id, task_id=task_id, key="return_value")

        ds = run.logical_date.strftime("%Y-%m-%d")
        assert xcom("post") == [f"/echo/{ds}", {"run": run.run_id}, ds]
        text = json.loads(xcom("text"))
        assert text["query"] == {"q": ["1"]}
        assert text["headers"]["x-source"] == "dag"
        assert xcom("pages") == [10, 11, 20, 21, 30, 31]
    assert {k: r.state for k, r in rows.items()} == {
        "post": "success", "text": "success", "pages": "success", "refused": "failed", "missing": "failed",
    }
    assert rows["refused"].state_reason == "AirflowException: Response check returned False."
    assert rows["missing"].state_reason == "AirflowException: 404:Not Found"
    posted = [r for r in api.requests if r[0] == "POST"]
    assert posted[0][2]["Content-Type"] == "application/json"
