"""PythonOperator run for real: arguments, context injection and return values."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from slipstream.operators.python import PythonOperator, get_current_context
from slipstream.runner.context import DagRunInfo, RuntimeTaskInstance
from slipstream.runner.task_runner import TryResult, execute_task
from slipstream.sdk import DAG, AirflowFailException, AirflowSkipException
from slipstream.sdk.exceptions import DagDefinitionError

LOGICAL = datetime(2024, 1, 2, tzinfo=UTC)


def run(dag: DAG, task_id: str = "t", *, conf: dict | None = None, max_tries: int = 0) -> TryResult:
    info = DagRunInfo(
        id=1, dag_id=dag.dag_id, run_id="manual__x", run_type="manual", logical_date=LOGICAL,
        data_interval_start=LOGICAL, data_interval_end=LOGICAL, conf=conf or {},
    )
    return execute_task(dag, task_id, info, store=None, map_index=-1, try_number=1, max_tries=max_tries)


def one_task(python_callable: Any, dag_id: str = "py", params: dict | None = None, **kwargs: Any) -> DAG:
    dag = DAG(dag_id, params=params)
    PythonOperator(task_id="t", python_callable=python_callable, dag=dag, **kwargs)
    return dag


def value(result: TryResult) -> Any:
    assert result.state == "success", result.error
    return dict(result.xcoms).get("return_value")


def test_return_value_is_the_xcom() -> None:
    assert value(run(one_task(lambda: {"rows": 3}))) == {"rows": 3}


def test_none_return_pushes_nothing() -> None:
    result = run(one_task(lambda: None))
    assert result.state == "success"
    assert result.xcoms == ()


def test_op_args_and_op_kwargs() -> None:
    def combine(a: int, b: int, *, scale: int) -> int:
        return (a + b) * scale

    assert value(run(one_task(combine, op_args=[1, 2], op_kwargs={"scale": 10}))) == 30


def test_output_is_printed(capsys: pytest.CaptureFixture) -> None:
    def talk() -> None:
        print("Task A is running")

    assert run(one_task(talk)).state == "success"
    assert "Task A is running" in capsys.readouterr().out


def test_context_keys_are_injected_by_parameter_name() -> None:
    def wants(ds: str, params: dict, ti: RuntimeTaskInstance, run_id: str, logical_date: datetime) -> list:
        return [ds, params["n"], ti.task_id, ti.dag_id, ti.try_number, run_id, logical_date.isoformat()]

    result = run(one_task(wants, params={"n": 1}), conf={"n": 2})
    assert value(result) == ["2024-01-02", 2, "t", "py", 1, "manual__x", "2024-01-02T00:00:00+00:00"]


def test_context_does_not_override_given_arguments() -> None:
    def wants(ds: str, table: str) -> str:
        return f"{table}@{ds}"

    assert value(run(one_task(wants, op_args=["given-ds"], op_kwargs={"table": "users"}))) == "users@given-ds"


def test_parameters_not_in_the_context_are_left_alone() -> None:
    def defaults(ds: str, other: str = "default") -> str:
        return f"{ds}/{other}"

    assert value(run(one_task(defaults))) == "2024-01-02/default"


def test_var_kwargs_get_the_whole_context() -> None:
    seen: dict[str, Any] = {}

    def everything(table: str, **kwargs: Any) -> str:
        seen.update(kwargs)
        return table

    assert value(run(one_task(everything, op_kwargs={"table": "orders"}))) == "orders"
    for key in ("ds", "ds_nodash", "ts", "ti", "task_instance", "dag", "task", "dag_run", "params", "run_id",
                "logical_date", "data_interval_start", "data_interval_end", "templates_dict"):
        assert key in seen, key
    assert seen["ds_nodash"] == "20240102"
    assert seen["dag"].dag_id == "py"
    assert seen["dag_run"].run_id == "manual__x"


def test_templated_op_args_op_kwargs_and_templates_dict() -> None:
    def show(day: str, *, label: str, templates_dict: dict) -> str:
        return f"{day} {label} {templates_dict['when']}"

    dag = one_task(
        show, op_args=["{{ ds }}"], op_kwargs={"label": "{{ params.name }}"},
        templates_dict={"when": "{{ tomorrow_ds }}"}, params={"name": "nightly"},
    )
    assert value(run(dag)) == "2024-01-02 nightly 2024-01-03"


def test_get_current_context_inside_the_callable() -> None:
    def inside() -> str:
        return get_current_context()["ds"]

    assert value(run(one_task(inside))) == "2024-01-02"


def test_get_current_context_outside_a_task_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="outside a running task"):
        get_current_context()


def test_xcom_push_and_pull_within_a_try() -> None:
    def push_pull(ti: RuntimeTaskInstance) -> Any:
        ti.xcom_push("extra", [1, 2])
        return ti.xcom_pull(task_ids="t", key="extra")

    assert value(run(one_task(push_pull))) == [1, 2]


def test_exception_fails_the_task_with_its_message(capsys: pytest.CaptureFixture) -> None:
    def boom() -> None:
        raise ValueError("bad input row 7")

    result = run(one_task(boom))
    assert result.state == "failed"
    assert result.error == "ValueError: bad input row 7"
    assert "Traceback" in capsys.readouterr().out


def test_exception_with_tries_left_is_up_for_retry() -> None:
    def boom() -> None:
        raise ValueError("again")

    assert run(one_task(boom), max_tries=2).state == "up_for_retry"


def test_fail_exception_skips_remaining_retries() -> None:
    def give_up() -> None:
        raise AirflowFailException("no point")

    result = run(one_task(give_up), max_tries=3)
    assert result.state == "failed"
    assert "no retry" in (result.error or "")


def test_skip_exception_skips() -> None:
    def skip() -> None:
        raise AirflowSkipException("nothing to do")

    result = run(one_task(skip))
    assert (result.state, result.error) == ("skipped", "nothing to do")


def test_non_json_return_value_fails_the_task() -> None:
    result = run(one_task(lambda: object()))
    assert result.state == "failed"
    assert "XCom values must be JSON" in (result.error or "")


def test_invalid_param_value_from_conf_fails_the_task() -> None:
    from slipstream.sdk import Param

    dag = one_task(lambda params: params["n"], params={"n": Param(1, type="integer")})
    result = run(dag, conf={"n": "ten"})
    assert result.state == "failed"
    assert "'n'" in (result.error or "") and "integer" in (result.error or "")


def test_python_callable_must_be_callable() -> None:
    with pytest.raises(DagDefinitionError, match="python_callable must be a function, got str"):
        PythonOperator(task_id="t", python_callable="not callable")


def test_execute_callable_and_determine_kwargs_can_be_overridden(capsys: pytest.CaptureFixture) -> None:
    class Timed(PythonOperator):
        def determine_kwargs(self, context):
            return {**super().determine_kwargs(context), "extra": "added"}

        def execute_callable(self):
            return {"wrapped": super().execute_callable()}

    dag = DAG("wrapping")
    Timed(task_id="t", python_callable=lambda ds, extra: f"{ds} {extra}", dag=dag, show_return_value_in_logs=False)
    assert value(run(dag)) == {"wrapped": "2024-01-02 added"}
    assert "Done. Returned value not shown" in capsys.readouterr().out
