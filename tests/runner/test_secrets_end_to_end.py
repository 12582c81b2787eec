"""Variables and Connections seen by real tasks: a DAG file run by the scheduler and the local
executor (task processes forked from zygotes, store calls through the zygote) reads them in
Python, in templates and at parse time, from the store and from the environment."""

from __future__ import annotations

import json

import pytest

from slipstream.dagfiles.store_secrets import StoreSecrets
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import connections
from slipstream.store.encryption import cipher_from_config
from slipstream.store.log_paths import log_path

DAG_FILE = '''
from datetime import datetime

from airflow import DAG
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator

# read while the file is parsed: the DAG id comes from the store
PREFIX = Variable.get("dag_prefix", default_var="unset")


def read_secrets():
    print("python var:", Variable.get("greeting"))
    print("python json:", Variable.get("cfg", deserialize_json=True)["a"]["b"])
    print("python env var:", Variable.get("from_env"))
    stored = BaseHook.get_connection("warehouse")
    print("store conn:", stored.conn_type, stored.host, stored.login, stored.password, stored.port,
          stored.extra_dejson["sslmode"])
    env = BaseHook.get_connection("env_api")
    print("env conn:", env.conn_type, env.host, env.password, env.get_uri())
    Variable.set("written_by_task", {"n": 7}, serialize_json=True)


with DAG(dag_id=f"{PREFIX}_secrets", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    read = PythonOperator(task_id="read", python_callable=read_secrets)
    templated = BashOperator(
        task_id="templated",
        bash_command=(
            "echo 'template: {{ var.value.greeting }} | {{ var.json.cfg.a.b }} | {{ conn.warehouse.host }} | "
            "{{ conn.env_api.host }} | {{ var.json.written_by_task.n }}'"
        ),
    )
    read >> templated
'''


@pytest.fixture
def stored_secrets(db, settings):
    secrets = StoreSecrets(db, cipher_from_config(settings.home))
    secrets.set_variable(key="dag_prefix", value="vc")
    secrets.set_variable(key="greeting", value="hello from the store")
    secrets.set_variable(key="cfg", value=json.dumps({"a": {"b": 42}}))
    with db.write() as session:
        connections.add(
            session,
            connections.StoredConnection(
                conn_id="warehouse", conn_type="postgres", host="db.example.com", login="etl", password="p@ss",
                port=5432, extra='{"sslmode": "require"}',
            ),
            secrets.cipher,
        )
    return secrets


def task_log(settings, run, task_id: str) -> str:
    return log_path(settings.base_log_folder, run.dag_id, run.run_id, task_id, -1, 1).read_text()


def test_tasks_read_variables_and_connections_from_store_and_environment(
    settings, db, write_dag, parse, stored_secrets, monkeypatch
):
    monkeypatch.setenv("AIRFLOW_CONN_ENV_API", "https://svc:tok%2Fen@api.example.com:8443")
    monkeypatch.setenv("AIRFLOW_VAR_FROM_ENV", "environment value")
    write_dag("secrets_dag.py", DAG_FILE)
    parse()
    run = run_dag_to_end(settings, db, "vc_secrets", timeout=60)
    read_log, templated_log = task_log(settings, run, "read"), task_log(settings, run, "templated")
    assert run.state == "success", read_log + templated_log
    assert "python var: hello from the store" in read_log
    assert "python json: 42" in read_log
    assert "python env var: environment value" in read_log
    assert "store conn: postgres db.example.com etl p@ss 5432 require" in read_log
    # The password is masked, in the URI too ("p@ss" above is too short to be masked, as in Airflow).
    assert "env conn: https api.example.com *** https://svc:***@api.example.com:8443" in read_log
    assert "tok/en" not in read_log and "tok%2Fen" not in read_log
    assert "template: hello from the store | 42 | db.example.com | api.example.com | 7" in templated_log
    assert json.loads(stored_secrets.get_variable(key="written_by_task")) == {"n": 7}


def test_a_missing_variable_fails_the_task_with_its_name(settings, db, write_dag, parse, stored_secrets):
    write_dag(
        "missing.py",
        '''
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="missing_var", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={"retries": 0}) as dag:
    BashOperator(task_id="t", bash_command="echo {{ var.value.not_there }}")
''',
    )
    parse()
    run = run_dag_to_end(settings, db, "missing_var", timeout=60)
    assert run.state == "failed"
    assert "Variable not_there does not exist" in task_log(settings, run, "t")

