"""Serialized DAGs: the JSON the scheduler works from, and the read-only view of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from slipstream.dagfiles.loader import load_dag_file
from slipstream.dagfiles.serialization import SerializedDag, dag_hash, serialize_dag
from slipstream.operators.bash import BashOperator
from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG, Param, TaskGroup
from slipstream.sdk.exceptions import ParamValidationError
from slipstream.timetables.base import Timetable
from slipstream.timetables.schedule import InvalidSchedule


def round_trip(dag: DAG, tz: str = "utc") -> SerializedDag:
    data = json.loads(json.dumps(serialize_dag(dag, tz)))
    return SerializedDag(data, dag_hash(data))


def seed(seed_dags: Path, name: str) -> DAG:
    loaded = load_dag_file(seed_dags / name)
    assert loaded.errors == []
    return loaded.dags[0]


def test_seed_dag_round_trip(seed_dags: Path) -> None:
    dag = seed(seed_dags, "seed000_parallel_data_processing.py")
    serialized = round_trip(dag)
    assert serialized.dag_id == "parallel_data_processing"
    assert serialized.fileloc == str(seed_dags / "seed000_parallel_data_processing.py")
    assert len(serialized.task_ids) == 9
    assert serialized.task_ids[0] == "start_pipeline" and serialized.task_ids[-1] == "end_pipeline"
    assert serialized.leaves == ["end_pipeline"]
    assert serialized.data["tags"] == ["parallel", "tutorial"]
    assert serialized.data["owners"] == ["data-team"]
    assert serialized.data["description"] == "Demonstrates parallel task execution"
    assert serialized.data["schedule"] is None
    assert serialized.schedule_summary == "None"
    assert serialized.data["start_date"] == "2024-01-01T00:00:00+00:00"
    assert serialized.data["catchup"] is False
    start = serialized.get_task("start_pipeline")
    assert start.operator == "EmptyOperator" and start.runs_without_process is True
    assert start.downstream == ["extract_customer_data", "extract_inventory_data", "extract_sales_data"]
    extract = serialized.get_task("extract_sales_data")
    assert extract.operator == "BashOperator" and extract.runs_without_process is False
    assert extract.upstream == ["start_pipeline"]
    assert extract.retries == 1 and extract.retry_delay == 120
    assert extract.template_fields == ["bash_command", "env", "cwd"]


def test_task_order_is_topological(seed_dags: Path) -> None:
    serialized = round_trip(seed(seed_dags, "fixed/seed003_parallel_etl_fixed.py"))
    position = {tid: i for i, tid in enumerate(serialized.task_ids)}
    for task in serialized.tasks.values():
        for upstream in task.upstream:
            assert position[upstream] < position[task.task_id]


def test_task_groups_retries_and_email(seed_dags: Path) -> None:
    serialized = round_trip(seed(seed_dags, "fixed/seed003_production_etl_v2_fixed.py"))
    assert serialized.max_active_runs == 1
    assert serialized.data["schedule"] == {
        "kind": "cron_trigger", "expression": "0 2 * * *", "summary": "0 2 * * *", "interval": 0.0, "run_immediately": False
    }
    validate = serialized.get_task("extract_load.validate")
    assert validate.retries == 0 and validate.task_group == "extract_load"
    assert validate.task_display_name == "validate"
    transform = serialized.get_task("transform")
    assert transform.retries == 2 and transform.task_group is None
    assert transform.email == ["alerts@company.com"] and transform.email_on_failure is True
    tree = serialized.data["task_group"]
    assert tree["children"][0]["group"]["group_id"] == "extract_load"


def test_schedules() -> None:
    """A cron string and a timedelta run at each tick by default (Airflow 3), with data intervals
    when asked (the ``[scheduler] create_*_data_intervals`` settings, passed down by the parser)."""
    assert round_trip(DAG("a", schedule="@daily")).data["schedule"] == {
        "kind": "cron_trigger", "expression": "0 0 * * *", "summary": "@daily", "interval": 0.0, "run_immediately": False
    }
    assert round_trip(DAG("b", schedule=timedelta(hours=2))).data["schedule"] == {
        "kind": "delta_trigger", "delta": 7200.0, "summary": "2:00:00", "interval": 0.0
    }
    assert serialize_dag(DAG("a", schedule="@daily"), cron_data_intervals=True)["schedule"] == {
        "kind": "cron", "expression": "0 0 * * *", "summary": "@daily"
    }
    assert serialize_dag(DAG("b", schedule=timedelta(hours=2)), delta_data_intervals=True)["schedule"] == {
        "kind": "delta", "seconds": 7200.0, "summary": "2:00:00"
    }
    assert round_trip(DAG("c", schedule="@once")).data["schedule"]["kind"] == "once"
    assert round_trip(DAG("d", schedule_interval=None)).data["schedule"] is None
    assert round_trip(DAG("e", schedule="*/5 * * * *")).schedule_summary == "*/5 * * * *"


class OwnTimetable(Timetable):
    """A user's timetable: the scheduler cannot run code from DAG files."""


@pytest.mark.parametrize(
    ("schedule", "message"),
    [
        ("@fortnightly", "Unknown schedule preset '@fortnightly'"),
        ("61 * * * *", "Invalid cron expression"),
        (timedelta(0), "positive interval"),
        (42, "Unsupported schedule"),
        (OwnTimetable(), "custom timetables are not supported"),
    ],
)
def test_invalid_schedules(schedule: object, message: str) -> None:
    with pytest.raises(InvalidSchedule, match=message):
        serialize_dag(DAG("bad", schedule=schedule))


def test_naive_dates_take_the_default_timezone() -> None:
    dag = DAG("tz", start_date=datetime(2024, 1, 1), end_date=datetime(2024, 6, 1, tzinfo=UTC))
    assert serialize_dag(dag)["start_date"] == "2024-01-01T00:00:00+00:00"
    amsterdam = serialize_dag(dag, "Europe/Amsterdam")
    assert amsterdam["start_date"] == "2024-01-01T00:00:00+01:00"
    assert amsterdam["end_date"] == "2024-06-01T00:00:00+00:00"


def test_start_date_must_be_a_datetime() -> None:
    with pytest.raises(TypeError, match="expected a datetime"):
        serialize_dag(DAG("str_date", start_date="2024-01-01"))  # type: ignore[arg-type]


def test_params_round_trip_with_their_rules() -> None:
    dag = DAG(
        "params",
        params={"mode": Param("daily", enum=["daily", "custom"], description="Execution mode"), "n": 10},
    )
    params = round_trip(dag).params
    assert params.resolve() == {"mode": "daily", "n": 10}
    assert params.get_param("mode").description == "Execution mode"
    with pytest.raises(ParamValidationError, match="'mode'"):
        params.resolve({"mode": "weekly"})


def test_dag_settings() -> None:
    dag = DAG(
        "settings", max_active_tasks=3, max_active_runs=2, dagrun_timeout=timedelta(minutes=5),
        dag_display_name="Nice", doc_md="docs", catchup=True,
    )
    serialized = round_trip(dag)
    assert serialized.max_active_tasks == 3 and serialized.max_active_runs == 2
    assert serialized.data["dagrun_timeout"] == 300
    assert serialized.data["dag_display_name"] == "Nice"
    assert serialized.data["doc_md"] == "docs"
    assert serialized.data["catchup"] is True


def test_retry_delay_for_with_backoff() -> None:
    dag = DAG("retry")
    EmptyOperator(
        task_id="t", retries=3, retry_delay=timedelta(seconds=10), retry_exponential_backoff=True,
        max_retry_delay=timedelta(seconds=30), dag=dag,
    )
    EmptyOperator(task_id="flat", retry_delay=7, dag=dag)
    serialized = round_trip(dag)
    task = serialized.get_task("t")
    assert [task.retry_delay_for(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 30]
    assert serialized.get_task("flat").retry_delay_for(5) == timedelta(seconds=7)


def test_unknown_task_attribute_is_an_attribute_error() -> None:
    dag = DAG("attrs")
    EmptyOperator(task_id="t", dag=dag)
    with pytest.raises(AttributeError):
        round_trip(dag).get_task("t").no_such_field  # noqa: B018


def test_hash_is_stable_and_follows_changes() -> None:
    def build(retries: int) -> DAG:
        with DAG("hashed", start_date=datetime(2024, 1, 1)) as dag:
            with TaskGroup("g"):
                BashOperator(task_id="t", bash_command="echo 1", retries=retries)
        return dag

    base = serialize_dag(build(1))
    assert dag_hash(base) == dag_hash(serialize_dag(build(1)))
    assert dag_hash(base) == dag_hash(json.loads(json.dumps(base)))
    assert dag_hash(base) != dag_hash(serialize_dag(build(2)))
