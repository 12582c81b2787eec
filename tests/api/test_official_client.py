"""Airflow's official Python client (``apache-airflow-client`` 3.3), unchanged, against a real
``slipstream api-server`` and ``slipstream scheduler``: the calls a CI job or a script makes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

SLIPSTREAM = [sys.executable, "-m", "slipstream.cli.main"]

DAG = '''
from datetime import datetime
from airflow.sdk import DAG, Param, task

with DAG("client_etl", start_date=datetime(2024, 1, 1), schedule=None, params={"rows": Param(3, type="integer", minimum=1)}, tags=["client"]) as dag:
    @task
    def extract(params=None):
        print(f"extracting {params['rows']} rows")
        return list(range(params["rows"]))

    @task
    def load(rows):
        print(f"loaded {len(rows)} rows")

    load(extract())
'''


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM__", "AIRFLOW__"))}
    env.update(SLIPSTREAM_HOME=str(home), SLIPSTREAM__CORE__LOAD_EXAMPLES="false", NO_COLOR="1",
               SLIPSTREAM__SCHEDULER__DAG_DIR_LIST_INTERVAL="0.5")
    return env


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def running(tmp_path):
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    (home / "dags" / "client_etl.py").write_text(DAG)
    env = _env(home)
    for username, role in (("ci", "User"), ("ops", "Op")):
        subprocess.run([*SLIPSTREAM, "users", "create", "--username", username, "--password", f"{username}-password-1",
                        "--role", role], env=env, check=True, capture_output=True)
    port = _free_port()
    processes = [
        subprocess.Popen([*SLIPSTREAM, "api-server", "--host", "127.0.0.1", "--port", str(port), "--log-level",
                          "warning"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
        subprocess.Popen([*SLIPSTREAM, "scheduler"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT),
    ]
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/api/v2/version").status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "slipstream api-server did not answer within 60 s"
        assert processes[0].poll() is None, processes[0].stdout.read().decode()
        time.sleep(0.1)
    try:
        yield url
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def test_the_official_client_drives_a_dag_from_trigger_to_logs(running):
    import airflow_client.client as client
    from airflow_client.client.api import (
        connection_api,
        dag_api,
        dag_run_api,
        pool_api,
        task_instance_api,
        variable_api,
    )
    from airflow_client.client.models import (
        ConnectionBody,
        DAGPatchBody,
        PoolBody,
        TriggerDAGRunPostBody,
        VariableBody,
    )

    with client.ApiClient(_login(client, running, "ci")) as api_client:
        dags = dag_api.DAGApi(api_client)
        deadline = time.monotonic() + 30
        while not dags.get_dags(dag_id_pattern="client_").dags:
            assert time.monotonic() < deadline, "the scheduler never recorded client_etl"
            time.sleep(0.2)
        listed = dags.get_dags(dag_id_pattern="client_", tags=["client"])
        assert [d.dag_id for d in listed.dags] == ["client_etl"] and listed.total_entries == 1

        assert dags.patch_dag("client_etl", DAGPatchBody(is_paused=True)).is_paused is True
        assert dags.get_dag("client_etl").is_paused is True
        assert dags.patch_dag("client_etl", DAGPatchBody(is_paused=False)).is_paused is False

        runs = dag_run_api.DagRunApi(api_client)
        created = runs.trigger_dag_run("client_etl", TriggerDAGRunPostBody(conf={"rows": 5}, logical_date=None))
        assert created.conf == {"rows": 5}
        deadline = time.monotonic() + 60
        while (run := runs.get_dag_run("client_etl", created.dag_run_id)).state.value not in ("success", "failed"):
            assert time.monotonic() < deadline, f"the run is still {run.state} after 60 s"
            time.sleep(0.2)
        assert run.state.value == "success"

        instances = task_instance_api.TaskInstanceApi(api_client)
        listed_tis = instances.get_task_instances("client_etl", created.dag_run_id)
        assert sorted((ti.task_id, ti.state.value) for ti in listed_tis.task_instances) == [
            ("extract", "success"), ("load", "success")]
        log = instances.get_log("client_etl", created.dag_run_id, "load", 1, full_content=True)
        lines = log.content.actual_instance  # StructuredLogMessage items (or strings, for a text log)
        text = "\n".join(line if isinstance(line, str) else line.event for line in lines)
        assert re.search(r"loaded 5 rows", text), text

        variables = variable_api.VariableApi(api_client)
        with pytest.raises(client.ApiException) as refused:
            variables.post_variable(VariableBody(key="region", value="eu-west-1"))
        assert refused.value.status == 403  # role User may not manage variables

    with client.ApiClient(_login(client, running, "ops")) as api_client:
        variables = variable_api.VariableApi(api_client)
        variables.post_variable(VariableBody(key="region", value="eu-west-1", description="where"))
        assert variables.get_variable("region").value == "eu-west-1"

        pools = pool_api.PoolApi(api_client)
        pools.post_pool(PoolBody(name="warehouse", slots=3, description="the warehouse's connections"))
        pool = pools.get_pool("warehouse")
        assert (pool.name, pool.slots, pool.open_slots) == ("warehouse", 3, 3)

        connections = connection_api.ConnectionApi(api_client)
        connections.post_connection(ConnectionBody(connection_id="warehouse_db", conn_type="postgres",
                                                   host="db.internal", login="etl", password="s3cret-pw", port=5432))
        connection = connections.get_connection("warehouse_db")
        assert (connection.host, connection.login, connection.port) == ("db.internal", "etl", 5432)
        assert connection.password != "s3cret-pw"


def _login(client, url: str, username: str):
    token = httpx.post(f"{url}/auth/token", json={"username": username, "password": f"{username}-password-1"})
    assert token.status_code == 201, token.text
    return client.Configuration(host=url, access_token=token.json()["access_token"])
