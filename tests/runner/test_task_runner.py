"""One try, run inline: claimed only when queued, XComs and final state in one transaction."""

from __future__ import annotations

import pytest

from slipstream.executors.base import Workload
from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_runner import run_task
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances, xcoms
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI

TASKFLOW = """
from datetime import datetime
from slipstream import dag, task

@dag(schedule=None, start_date=datetime(2024, 1, 1))
def flow():
    @task(multiple_outputs=True)
    def numbers():
        return {"a": 1, "b": 2}

    @task
    def add(a, b, ds=None):
        print(f"adding on {ds}")
        return a + b

    parts = numbers()
    add(parts["a"], parts["b"])

flow()
"""


def queue(db, run, task_id, fileloc) -> Workload:
    with db.write() as session:
        row = task_instances.find(session, task_instances.TaskInstanceKey(run.dag_id, run.run_id, task_id))
        task_instances.set_state(session, row.id, TI.NONE, TI.SCHEDULED)
        try_number = task_instances.queue_tries(session, [row.id], utcnow())[row.id]
    return Workload(row.id, run.dag_id, run.run_id, task_id, -1, try_number, str(fileloc))


@pytest.fixture
def flow_run(db, write_dag, parse):
    path = write_dag("flow.py", TASKFLOW)
    parse()
    return trigger_dag(db, "flow"), path


def test_xcom_values_flow_between_taskflow_tasks(settings, db, flow_run, capsys):
    run, path = flow_run
    assert run_task(queue(db, run, "numbers", path), settings, DirectTryStore(db)) == "success"
    assert run_task(queue(db, run, "add", path), settings, DirectTryStore(db)) == "success"
    with db.read() as session:
        assert xcoms.pull(session, dag_id="flow", run_id=run.run_id, task_id="numbers", key="a") == 1
        assert xcoms.pull(session, dag_id="flow", run_id=run.run_id, task_id="add", key="return_value") == 3
    assert f"adding on {run.logical_date.strftime('%Y-%m-%d')}" in capsys.readouterr().out


def test_a_try_that_is_not_queued_is_not_run(settings, db, flow_run):
    run, path = flow_run
    workload = queue(db, run, "numbers", path)
    assert run_task(workload, settings, DirectTryStore(db)) == "success"
    assert run_task(workload, settings, DirectTryStore(db)) == "lost"


def test_a_failing_task_with_retries_left_is_up_for_retry(settings, db, write_dag, parse):
    path = write_dag(
        "fails.py",
        """
        from datetime import datetime, timedelta
        from slipstream import DAG, PythonOperator

        def boom():
            raise ValueError("bad input row 7")

        with DAG("fails", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            PythonOperator(task_id="boom", python_callable=boom, retries=1, retry_delay=timedelta(seconds=30))
        """,
    )
    parse()
    run = trigger_dag(db, "fails")
    before = utcnow()
    assert run_task(queue(db, run, "boom", path), settings, DirectTryStore(db)) == "up_for_retry"
    with db.read() as session:
        row = task_instances.find(session, task_instances.TaskInstanceKey("fails", run.run_id, "boom"))
    assert row.state_reason == "ValueError: bad input row 7"
    assert 29 <= (row.next_try_at - before).total_seconds() <= 40


def test_a_return_value_that_is_not_json_fails_the_task(settings, db, write_dag, parse):
    path = write_dag(
        "notjson.py",
        """
        from datetime import datetime
        from slipstream import DAG, PythonOperator

        with DAG("notjson", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            PythonOperator(task_id="obj", python_callable=lambda: object())
        """,
    )
    parse()
    run = trigger_dag(db, "notjson")
    assert run_task(queue(db, run, "obj", path), settings, DirectTryStore(db)) == "failed"
    with db.read() as session:
        row = task_instances.find(session, task_instances.TaskInstanceKey("notjson", run.run_id, "obj"))
    assert "XCom values must be JSON" in row.state_reason
