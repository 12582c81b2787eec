"""HttpSensor and SqlSensor in a real run, against a real HTTP server and a real SQLite file."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from local_servers import http_server

from slipstream.sdk.exceptions import AirflowException
from slipstream.sensors.sql import SqlSensor

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]

SENSORS_DAG = '''
from datetime import datetime

from airflow.providers.common.sql.sensors.sql import SqlSensor
from airflow.providers.http.sensors.http import HttpSensor
from airflow.sdk import DAG

with DAG("http_sql_sensors", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={"poke_interval": 0.1, "timeout": 20}):
    HttpSensor(task_id="answers", http_conn_id="api", endpoint="echo", request_params={"day": "{{ ds }}"},
               response_check=lambda response, ds: response.json()["query"]["day"] == [ds])
    HttpSensor(task_id="not_there_yet", http_conn_id="api", endpoint="status/404", timeout=0.5, soft_fail=True)
    HttpSensor(task_id="server_error", http_conn_id="api", endpoint="status/500")
    SqlSensor(task_id="rows_arrived", conn_id="db", sql="SELECT count(*) FROM arrivals", success=lambda n: n >= 2)
    SqlSensor(task_id="nothing", conn_id="db", sql="SELECT 1 WHERE 0", fail_on_empty=True)
    SqlSensor(task_id="bad_value", conn_id="db", sql="SELECT 'broken'", failure=lambda v: v == "broken")
'''


def test_the_sensors_in_a_run(home: Path) -> None:
    database = home / "data.db"
    with sqlite3.connect(database) as connection:
        connection.execute("CREATE TABLE arrivals (n INTEGER)")
        connection.executemany("INSERT INTO arrivals VALUES (?)", [(1,), (2,)])
    (home / "dags" / "sensors.py").write_text(textwrap.dedent(SENSORS_DAG))
    with http_server() as server:
        env = {
            **os.environ, "SLIPSTREAM__CORE__LOAD_EXAMPLES": "false", "COLUMNS": "250",
            "AIRFLOW_CONN_API": json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1]}),
            "AIRFLOW_CONN_DB": json.dumps({"conn_type": "sqlite", "host": str(database)}),
        }
        done = subprocess.run([*SLIPSTREAM, "dags", "test", "http_sql_sensors"], capture_output=True, text=True,
                              timeout=120, env=env)
    states = dict(re.findall(r"^\W*(\w+)\s+\W\s*(success|skipped|failed)\b", done.stdout, re.MULTILINE))
    assert states == {
        "answers": "success", "not_there_yet": "skipped", "server_error": "failed",
        "rows_arrived": "success", "nothing": "failed", "bad_value": "failed",
    }, done.stdout + done.stderr
    assert "nothing: AirflowException: No rows returned, raising as per fail_on_empty flag" in done.stdout
    assert "bad_value: AirflowException: Failure criteria met. self.failure(broken) returned True" in done.stdout
    assert "server_error: AirflowException: 500:Internal Server Error" in done.stdout


def test_a_check_that_is_not_a_function_is_refused_when_the_dag_is_built() -> None:
    with pytest.raises(AirflowException, match="success must be a function of the value"):
        SqlSensor(task_id="s", conn_id="db", sql="SELECT 1", success=True)  # type: ignore[arg-type]
