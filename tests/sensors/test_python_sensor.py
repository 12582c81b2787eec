"""PythonSensor and ``@task.sensor`` through the task runner."""

from __future__ import annotations

from typing import Any

from sensor_helpers import run

from slipstream.sdk import DAG, task
from slipstream.sensors.base import PokeReturnValue
from slipstream.sensors.python import PythonSensor


def test_the_callable_gets_its_arguments_and_the_context_it_names() -> None:
    seen: list[Any] = []

    def check(threshold: int, *, label: str, ds: str, templates_dict: dict[str, Any]) -> bool:
        seen.append((threshold, label, ds, templates_dict))
        return len(seen) >= threshold

    dag = DAG("py_sensor", fileloc="/nonexistent/py_sensor.py")
    PythonSensor(
        task_id="wait", dag=dag, python_callable=check, op_args=[2], op_kwargs={"label": "{{ ds_nodash }}"},
        templates_dict={"day": "{{ ds }}"}, poke_interval=0.01,
    )
    result = run(dag, "wait")
    assert result.state == "success"
    assert seen[-1] == (2, "20240102", "2024-01-02", {"day": "2024-01-02"})
    assert result.xcoms == ()


def test_a_falsy_result_keeps_waiting_until_the_timeout() -> None:
    dag = DAG("py_sensor", fileloc="/nonexistent/py_sensor.py")
    PythonSensor(task_id="wait", dag=dag, python_callable=lambda: [], poke_interval=0.01, timeout=0.05, soft_fail=True)
    assert run(dag, "wait").state == "skipped"


def test_task_sensor_decorator_returns_the_poke_value() -> None:
    calls = {"n": 0}

    with DAG("decorated", fileloc="/nonexistent/decorated.py") as dag:

        @task.sensor(poke_interval=0.01, timeout=5, mode="poke")
        def wait_for_rows(minimum: int) -> PokeReturnValue:
            calls["n"] += 1
            return PokeReturnValue(is_done=calls["n"] >= minimum, xcom_value={"rows": calls["n"]})

        @task
        def consume(found: dict[str, int]) -> int:
            return found["rows"]

        consume(wait_for_rows(3))

    sensor = dag.get_task("wait_for_rows")
    assert sensor.operator_name == "@task.sensor"
    assert sensor.poke_interval == 0.01
    assert "wait_for_rows" in dag.get_task("consume").upstream_task_ids
    result = run(dag, "wait_for_rows")
    assert result.state == "success"
    assert result.xcoms == (("return_value", {"rows": 3}),)


def test_task_sensor_with_a_bool_and_reschedule_mode() -> None:
    with DAG("decorated_bool", fileloc="/nonexistent/decorated_bool.py") as dag:

        @task.sensor(mode="reschedule", poke_interval=45)
        def never() -> bool:
            return False

        never()

    result = run(dag, "never")
    assert result.state == "up_for_reschedule"
