"""ExternalTaskSensor against real runs of another DAG in the same store: unit pokes through the
runner with a DirectTryStore, a whole consumer DAG through the scheduler, and argument checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sensor_helpers import run, run_info

from slipstream.runner.direct_store import DirectTryStore
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.sdk import DAG
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.state import DagRunState, State
from slipstream.sensors.external_task import ExternalTaskMarker, ExternalTaskSensor
from slipstream.store import task_instances

L = datetime(2024, 3, 1, tzinfo=UTC)

PRODUCER = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import PythonOperator
from airflow.utils.task_group import TaskGroup

def fail():
    raise RuntimeError("the producer fails on purpose")

with DAG("producer", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    ok = PythonOperator(task_id="ok_task", python_callable=lambda: "fine")
    bad = PythonOperator(task_id="bad_task", python_callable=fail)
    with TaskGroup("grp") as grp:
        PythonOperator(task_id="a", python_callable=lambda: 1) >> PythonOperator(task_id="b", python_callable=lambda: 2)
    ok >> grp
"""


@pytest.fixture
def producer_run(settings: Any, db: Any, write_dag: Any, parse: Any) -> Any:
    """The producer DAG run once, to its end, at logical date L: ok_task and grp succeed, bad_task fails."""
    write_dag("producer.py", PRODUCER)
    parse()
    finished = run_dag_to_end(settings, db, "producer", logical_date=L, timeout=60)
    assert finished.state == "failed"
    return finished


def poke_dag(**kwargs: Any) -> DAG:
    dag = DAG("consumer_unit", fileloc="/nonexistent/consumer_unit.py")
    ExternalTaskSensor(task_id="wait", dag=dag, external_dag_id="producer", poke_interval=0.01, timeout=0.05, **kwargs)
    return dag


def poke(db: Any, dag: DAG, logical: datetime = L) -> Any:
    return run(dag, "wait", store=DirectTryStore(db), info=run_info(dag, logical=logical))


def test_waits_for_tasks_groups_and_runs(db: Any, producer_run: Any) -> None:
    assert poke(db, poke_dag(external_task_id="ok_task")).state == "success"
    assert poke(db, poke_dag(external_task_ids=["ok_task", "grp.b"])).state == "success"
    assert poke(db, poke_dag(external_task_group_id="grp")).state == "success"
    assert poke(db, poke_dag(external_task_id="bad_task")).state == "failed"  # timed out: not success
    assert poke(db, poke_dag(allowed_states=[DagRunState.FAILED])).state == "success"  # the whole run

    # The logical date is shifted by execution_delta or execution_date_fn.
    later = L + timedelta(hours=6)
    assert poke(db, poke_dag(external_task_id="ok_task"), logical=later).state == "failed"
    assert poke(db, poke_dag(external_task_id="ok_task", execution_delta=timedelta(hours=6)), logical=later).state == "success"
    by_fn = poke_dag(external_task_id="ok_task", execution_date_fn=lambda dt: dt - timedelta(hours=6))
    assert poke(db, by_fn, logical=later).state == "success"
    with_context = poke_dag(external_task_id="ok_task", execution_date_fn=lambda dt, **context: [L, L - timedelta(days=1)])
    assert poke(db, with_context, logical=later).state == "failed", "every date needs its run"


def test_failed_and_skipped_states_and_check_existence_end_the_wait_at_once(db: Any, producer_run: Any) -> None:
    result = poke(db, poke_dag(external_task_ids=["ok_task", "bad_task"], failed_states=[State.FAILED]))
    assert result.state == "failed"
    assert "ExternalTaskFailedError" in (result.error or "")
    assert "bad_task" in (result.error or "")
    whole = poke(db, poke_dag(failed_states=["failed"]))
    assert "ExternalDagFailedError" in (whole.error or "")
    soft = poke(db, poke_dag(external_task_id="bad_task", failed_states=["failed"], soft_fail=True))
    assert soft.state == "skipped"
    assert poke(db, poke_dag(external_task_id="bad_task", skipped_states=["failed"])).state == "skipped"

    missing_dag = DAG("consumer_unit", fileloc="/nonexistent/consumer_unit.py")
    ExternalTaskSensor(task_id="wait", dag=missing_dag, external_dag_id="nope", check_existence=True)
    result = poke(db, missing_dag)
    assert "ExternalDagNotFoundError" in (result.error or "")
    assert "'nope'" in (result.error or "")
    assert "ExternalTaskNotFoundError" in (poke(db, poke_dag(external_task_id="zzz", check_existence=True)).error or "")
    group = poke(db, poke_dag(external_task_group_id="nogroup", check_existence=True))
    assert "ExternalTaskGroupNotFoundError" in (group.error or "")


def test_without_a_store_the_sensor_says_why_it_cannot_look() -> None:
    result = run(poke_dag(external_task_id="ok_task"), "wait")
    assert result.state == "failed"
    assert "needs the store" in (result.error or "")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"external_task_id": "a", "external_task_ids": ["b"]}, "not both"),
        ({"external_task_ids": ["a", "a"]}, "duplicates"),
        ({"external_task_ids": ["a"], "external_task_group_id": "g"}, "not both"),
        ({"execution_delta": timedelta(1), "execution_date_fn": lambda dt: dt}, "not both"),
        ({"external_task_id": "a", "allowed_states": ["success"], "failed_states": ["success"]}, "in both"),
        ({"external_task_id": "a", "allowed_states": ["finished"]}, "not valid here"),
        ({"allowed_states": ["skipped"]}, "DAG run states"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(DagDefinitionError, match=message):
        poke_dag(**kwargs)


def test_external_task_marker_runs_as_a_no_op() -> None:
    dag = DAG("marker", fileloc="/nonexistent/marker.py")
    ExternalTaskMarker(task_id="mark", dag=dag, external_dag_id="consumer", external_task_id="wait")
    result = run(dag, "mark")
    assert result.state == "success"


CONSUMER = """
from datetime import datetime, timedelta
from airflow import DAG
from airflow.providers.standard.sensors.external_task import ExternalTaskSensor
from airflow.utils.state import State

common = dict(external_dag_id="producer", mode="reschedule", poke_interval=0.2, timeout=1.5)
with DAG("consumer", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    ExternalTaskSensor(task_id="wait_ok", external_task_id="ok_task", **common)
    ExternalTaskSensor(task_id="wait_group", external_task_group_id="grp", **common)
    ExternalTaskSensor(task_id="wait_bad", external_task_ids=["ok_task", "bad_task"], failed_states=[State.FAILED], **common)
    ExternalTaskSensor(task_id="wait_run", allowed_states=["success"], failed_states=["failed"], **common)
    ExternalTaskSensor(task_id="wait_yesterday", external_task_id="ok_task", execution_delta=timedelta(days=1),
                       soft_fail=True, **common)
"""


def test_a_consumer_dag_waits_on_the_producer_run_through_the_scheduler(
    settings: Any, db: Any, write_dag: Any, parse: Any, producer_run: Any
) -> None:
    write_dag("consumer.py", CONSUMER)
    parse()
    finished = run_dag_to_end(settings, db, "consumer", logical_date=L, timeout=60)
    with db.read() as session:
        rows = {ti.task_id: ti for ti in task_instances.for_run(session, "consumer", finished.run_id)}
    states = {task_id: row.state for task_id, row in rows.items()}
    assert states == {
        "wait_ok": "success",
        "wait_group": "success",
        "wait_bad": "failed",
        "wait_run": "failed",
        "wait_yesterday": "skipped",
    }
    assert "ExternalTaskFailedError" in (rows["wait_bad"].state_reason or "")
    assert "ExternalDagFailedError" in (rows["wait_run"].state_reason or "")
    assert "soft_fail" in (rows["wait_yesterday"].state_reason or "")
    assert all(row.try_number == 1 for row in rows.values())
