"""Real Airflow provider distributions, installed without Airflow, run on Slipstream's surface.

apache-airflow-providers-http and -sqlite (with common-sql and common-compat, which they need)
are installed once per test session with ``pip install --no-deps`` into a folder of their own,
plus their own non-Airflow requirements; that folder is put on PYTHONPATH of ``slipstream dags
test``, which runs a DAG of the providers' operators, sensor and hook against a real HTTP server
and a real SQLite file.
"""

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

PROVIDERS = (
    "apache-airflow-providers-http==6.3.0",
    "apache-airflow-providers-sqlite==4.3.4",
    "apache-airflow-providers-common-sql==2.4.0",
    "apache-airflow-providers-common-compat==1.23.0",
)
# What those distributions require besides Airflow (and a few packages Airflow itself brings,
# which the providers import: tenacity, deprecated).
REQUIREMENTS = (
    "requests-toolbelt", "aiohttp", "asgiref", "pydantic", "sqlparse", "more-itertools", "methodtools",
    "tenacity", "deprecated",
)
VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]


@pytest.fixture(scope="session")
def providers_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("airflow-providers")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target", str(target)]
    for command in ([*pip, "--no-deps", *PROVIDERS], [*pip, *REQUIREMENTS]):
        done = subprocess.run(command, capture_output=True, text=True, timeout=600)
        assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    assert (target / "airflow" / "providers" / "http" / "get_provider_info.py").is_file()
    assert not (target / "airflow" / "__init__.py").exists(), "a provider must not bring Airflow itself"
    return target


PROVIDERS_DAG = '''
from datetime import datetime

from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
from airflow.providers.http.hooks.http import HttpHook
from airflow.providers.http.operators.http import HttpOperator
from airflow.providers.http.sensors.http import HttpSensor
from airflow.providers.sqlite.hooks.sqlite import SqliteHook
from airflow.sdk import DAG, task

with DAG("real_providers", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    ready = HttpSensor(
        task_id="api_ready", http_conn_id="api", endpoint="status/200", poke_interval=0.1, timeout=30,
        response_check=lambda response: response.json()["status"] == 200,
    )
    post = HttpOperator(
        task_id="post", http_conn_id="api", endpoint="echo", method="POST", data='{{"ds": "{{{{ ds }}}}"}}',
        headers={{"Content-Type": "application/json"}}, response_filter=lambda response: response.json()["body"],
    )
    create = SQLExecuteQueryOperator(
        task_id="create", conn_id="db", sql="CREATE TABLE IF NOT EXISTS seen (body TEXT, source TEXT)",
    )

    @task
    def store(body, **context):
        hook = SqliteHook(sqlite_conn_id="db")
        hook.insert_rows("seen", [(body, "hook")], target_fields=["body", "source"])
        answer = HttpHook(method="GET", http_conn_id="api").run("echo", data={{"q": "1"}})
        return [hook.get_first("SELECT count(*) FROM seen")[0], answer.json()["query"]]

    [ready, create] >> post
    create >> store(post.output)
'''


def test_real_provider_operators_sensor_and_hooks_run_in_a_dag(
    home: Path, providers_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = home / "data.db"
    (home / "dags" / "real_providers.py").write_text(textwrap.dedent(PROVIDERS_DAG.format()))
    with http_server() as server:
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(providers_folder), os.environ.get("PYTHONPATH")])),
            "SLIPSTREAM__CORE__LOAD_EXAMPLES": "false",
            "COLUMNS": "250",
            "AIRFLOW_CONN_API": json.dumps({"conn_type": "http", "host": "127.0.0.1", "port": server.server_address[1]}),
            "AIRFLOW_CONN_DB": json.dumps({"conn_type": "sqlite", "host": str(database)}),
        }
        done = subprocess.run(
            [*SLIPSTREAM, "dags", "test", "real_providers"], capture_output=True, text=True, timeout=180, env=env
        )
        requests = list(server.requests)
    assert done.returncode == 0, f"stdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    assert re.search(r"DAG run real_providers \S+: success", done.stdout), done.stdout
    assert ("GET", "/status/200") in [(method, path) for method, path, _, _ in requests]
    posted = [json.loads(body) for method, path, _, body in requests if (method, path) == ("POST", "/echo")]
    assert len(posted) == 1 and re.fullmatch(r"\d{4}-\d\d-\d\d", posted[0]["ds"])
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT body, source FROM seen").fetchall()
    assert [(json.loads(body), source) for body, source in rows] == [(posted[0], "hook")]
    assert any(path == "/echo?q=1" for method, path, _, _ in requests if method == "GET")


def test_the_real_modules_are_loaded_and_the_surface_stays_slipstreams(providers_folder: Path) -> None:
    script = textwrap.dedent('''
        import importlib, json
        from slipstream.dagfiles.airflow_imports import airflow_imports
        import slipstream.sdk, slipstream.hooks.base
        with airflow_imports():
            sensor = importlib.import_module("airflow.providers.http.sensors.http")
            sqlite = importlib.import_module("airflow.providers.sqlite.hooks.sqlite")
            compat = importlib.import_module("airflow.providers.common.compat.sdk")
            print(json.dumps({
                "sensor": sensor.__file__, "sqlite": sqlite.__file__,
                "base_operator_is_slipstreams": compat.BaseOperator is slipstream.sdk.BaseOperator,
                "base_hook_is_slipstreams": sqlite.SqliteHook.__mro__[-2] is slipstream.hooks.base.BaseHook,
            }))
    ''')
    env = {**os.environ, "PYTHONPATH": str(providers_folder)}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["sensor"].startswith(str(providers_folder)) and found["sqlite"].startswith(str(providers_folder))
    assert found["base_operator_is_slipstreams"] and found["base_hook_is_slipstreams"]
