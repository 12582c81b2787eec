"""What a try stores is masked in the task process, before it is sent: the failure reason and the
rendered fields (by value and by field or key name); the XCom it returns is kept as given."""

from __future__ import annotations

import pytest
from test_task_runner import queue

from slipstream.dagfiles.store_secrets import StoreSecrets
from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_runner import run_task
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import rendered_fields, task_instances, xcoms
from slipstream.store.encryption import cipher_from_config

DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator
from airflow.models import Variable


def fail(secret):
    raise RuntimeError(f"cannot use {secret}")


def give(secret):
    return secret


with DAG(dag_id="masked", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 0}) as dag:
    PythonOperator(task_id="fails", python_callable=fail, op_args=["{{ var.value.tenant_name }}"])
    PythonOperator(task_id="gives", python_callable=give, op_args=["{{ var.value.tenant_name }}"])
    BashOperator(
        task_id="bash", bash_command="echo {{ var.value.tenant_name }} > /dev/null",
        env={"DB_PASSWORD": "literal-in-the-dag", "PLAIN": "visible"},
    )
"""


@pytest.fixture
def masked_run(settings, db, write_dag, parse):
    StoreSecrets(db, cipher_from_config(settings.home)).set_variable(key="tenant_name", value="acme-tenant-42")
    path = write_dag("masked.py", DAG)
    parse()
    return trigger_dag(db, "masked"), path


def test_reasons_and_rendered_fields_are_masked_and_the_xcom_kept(settings, db, masked_run):
    run, path = masked_run
    settings = settings.replace(sensitive_var_conn_names="tenant")  # makes tenant_name sensitive
    for task_id in ("fails", "gives", "bash"):
        run_task(queue(db, run, task_id, path), settings, DirectTryStore(db))
    with db.read() as session:
        failed = task_instances.find(session, task_instances.TaskInstanceKey("masked", run.run_id, "fails"))
        assert (failed.state, failed.state_reason) == ("failed", "RuntimeError: cannot use ***")
        fields = {
            task_id: rendered_fields.get(session, dag_id="masked", run_id=run.run_id, task_id=task_id).rendered_fields
            for task_id in ("fails", "gives", "bash")
        }
        returned = xcoms.pull(session, dag_id="masked", run_id=run.run_id, task_id="gives", key="return_value")
    assert fields["fails"]["op_args"] == fields["gives"]["op_args"] == ["***"]
    assert fields["bash"]["bash_command"] == "echo *** > /dev/null"
    assert fields["bash"]["env"] == {"DB_PASSWORD": "***", "PLAIN": "visible"}
    assert returned == "acme-tenant-42"


def test_without_the_setting_the_value_is_not_a_secret(settings, db, masked_run):
    run, path = masked_run
    run_task(queue(db, run, "gives", path), settings, DirectTryStore(db))
    with db.read() as session:
        stored = rendered_fields.get(session, dag_id="masked", run_id=run.run_id, task_id="gives").rendered_fields
    assert stored["op_args"] == ["acme-tenant-42"]
