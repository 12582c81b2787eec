"""EmptyOperator: does nothing, and the scheduler may finish it without a process."""

from __future__ import annotations

from datetime import UTC, datetime

from slipstream.operators.empty import DummyOperator, EmptyOperator
from slipstream.runner.context import DagRunInfo
from slipstream.runner.task_runner import execute_task
from slipstream.sdk import DAG


def test_runs_without_process() -> None:
    assert EmptyOperator(task_id="e").runs_without_process is True


def test_with_callbacks_it_needs_a_process() -> None:
    for callback in ("on_execute_callback", "on_success_callback", "on_failure_callback"):
        task = EmptyOperator(task_id="e", **{callback: lambda context: None})
        assert task.runs_without_process is False, callback


def test_other_operators_need_a_process() -> None:
    from slipstream.operators.bash import BashOperator

    assert BashOperator(task_id="b", bash_command="true").runs_without_process is False


def test_dummy_operator_is_the_airflow2_name() -> None:
    assert DummyOperator is EmptyOperator
    assert DummyOperator(task_id="d").operator_name == "EmptyOperator"


def test_execute_succeeds_and_pushes_nothing() -> None:
    dag = DAG("empty")
    EmptyOperator(task_id="e", dag=dag)
    now = datetime(2024, 1, 1, tzinfo=UTC)
    info = DagRunInfo(
        id=1, dag_id="empty", run_id="r", run_type="manual", logical_date=now, data_interval_start=now,
        data_interval_end=now,
    )
    result = execute_task(dag, "e", info, store=None, map_index=-1, try_number=1, max_tries=0)
    assert result.state == "success"
    assert result.xcoms == ()
    assert result.error is None
