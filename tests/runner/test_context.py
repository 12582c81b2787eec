"""The template context of a try, and the rendered fields a try stores before it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from slipstream.operators.bash import BashOperator
from slipstream.operators.python import PythonOperator
from slipstream.runner.context import DagRunInfo
from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.task_runner import TryResult, execute_task
from slipstream.sdk import DAG, macros
from slipstream.store import dag_runs, rendered_fields
from slipstream.store.clock import utcnow

LOGICAL = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def info(run_id: str = "scheduled__2024-01-02", logical: datetime = LOGICAL) -> DagRunInfo:
    return DagRunInfo(
        id=1, dag_id="ctx", run_id=run_id, run_type="scheduled", logical_date=logical,
        data_interval_start=logical - timedelta(days=1), data_interval_end=logical, conf={},
    )


def run(dag: DAG, task_id: str, store: Any = None, try_number: int = 1) -> TryResult:
    return execute_task(dag, task_id, info(), store=store, map_index=-1, try_number=try_number, max_tries=0)


def capture(tmp_path: Path) -> tuple[DAG, dict[str, Any]]:
    seen: dict[str, Any] = {}
    dag = DAG("ctx", fileloc=str(tmp_path / "ctx.py"), params={"p": 1})
    PythonOperator(task_id="look", dag=dag, python_callable=lambda **context: seen.update(context))
    return dag, seen


def test_the_context_has_every_key_airflow_documents(tmp_path: Path) -> None:
    dag, seen = capture(tmp_path)
    assert run(dag, "look").state == "success"
    assert {
        key: seen[key] for key in (
            "ds", "ds_nodash", "ts", "ts_nodash", "ts_nodash_with_tz", "yesterday_ds", "tomorrow_ds",
            "yesterday_ds_nodash", "tomorrow_ds_nodash", "run_id", "task_instance_key_str", "params",
            "logical_date", "data_interval_start", "data_interval_end",
        )
    } == {
        "ds": "2024-01-02", "ds_nodash": "20240102", "ts": "2024-01-02T03:04:05+00:00",
        "ts_nodash": "20240102T030405", "ts_nodash_with_tz": "20240102T030405+0000",
        "yesterday_ds": "2024-01-01", "tomorrow_ds": "2024-01-03", "yesterday_ds_nodash": "20240101",
        "tomorrow_ds_nodash": "20240103", "run_id": "scheduled__2024-01-02",
        "task_instance_key_str": "ctx__look__20240102", "params": {"p": 1}, "logical_date": LOGICAL,
        "data_interval_start": LOGICAL - timedelta(days=1), "data_interval_end": LOGICAL,
    }
    assert seen["macros"] is macros
    assert seen["dag"] is dag and seen["task"].task_id == "look" and seen["ti"] is seen["task_instance"]
    assert seen["dag_run"].run_id == "scheduled__2024-01-02"
    assert {"var", "conn"} <= set(seen)
    assert [seen[k] for k in ("prev_data_interval_start_success", "prev_data_interval_end_success",
                              "prev_start_date_success", "prev_end_date_success")] == [None] * 4


def test_prev_success_values_come_from_the_previous_successful_run(tmp_path: Path, db) -> None:
    before = LOGICAL - timedelta(days=1)
    with db.write() as session:
        run_row = dag_runs.create(
            session, dag_id="ctx", run_id="scheduled__before", run_type="scheduled", tasks=[], now=utcnow(),
            logical_date=before, data_interval=(before - timedelta(days=1), before), state="success",
        )
        dag_runs.set_state(session, run_row.id, "success", "success", start_date=before, end_date=before + timedelta(minutes=5))
    dag, seen = capture(tmp_path)
    assert run(dag, "look", store=DirectTryStore(db)).state == "success"
    assert seen["prev_data_interval_start_success"] == before - timedelta(days=1)
    assert seen["prev_data_interval_end_success"] == before
    assert seen["prev_start_date_success"] == before
    assert seen["prev_end_date_success"] == before + timedelta(minutes=5)
    assert seen["test_mode"] is False


def test_rendered_fields_are_in_the_result_even_when_execute_fails(tmp_path: Path, db) -> None:
    """They are rendered before execute and go to the store with the try's result (finish)."""
    dag = DAG("ctx", fileloc=str(tmp_path / "ctx.py"))
    BashOperator(task_id="b", dag=dag, bash_command="echo {{ ds }} try {{ ti.try_number }}; exit 1", env={"D": "{{ ds }}"})
    result = run(dag, "b", store=DirectTryStore(db), try_number=3)
    assert result.state == "failed"
    assert result.rendered_fields == {
        "bash_command": "echo 2024-01-02 try 3; exit 1", "env": {"D": "2024-01-02"}, "cwd": None,
    }
    store = DirectTryStore(db)
    assert store.finish(
        ti_id=1, try_number=3, dag_run_id=1, key=("ctx", "scheduled__2024-01-02", "b", -1), state="failed",
        xcom_values=(), next_try_at=None, reason=None, started_at=LOGICAL, rendered_fields=result.rendered_fields,
    ) is False  # no such running try: nothing is written
    with db.read() as session:
        assert rendered_fields.get(session, dag_id="ctx", run_id="scheduled__2024-01-02", task_id="b") is None


def test_a_template_error_fails_the_try_saying_where_and_stores_nothing(tmp_path: Path, db) -> None:
    dag = DAG("ctx", fileloc=str(tmp_path / "ctx.py"))
    BashOperator(task_id="x", dag=dag, bash_command="echo ok\necho {{ foo }}", retries=1)
    result = execute_task(dag, "x", info(), store=DirectTryStore(db), map_index=-1, try_number=1, max_tries=1)
    assert result.state == "up_for_retry"
    assert result.error == "TemplateRenderError: Template error in bash_command of task 'x' (line 2): 'foo' is undefined"
    assert result.rendered_fields is None


def test_each_try_renders_the_task_afresh(tmp_path: Path) -> None:
    dag = DAG("ctx", fileloc=str(tmp_path / "ctx.py"))
    BashOperator(task_id="b", dag=dag, bash_command="echo try {{ ti.try_number }}")
    assert dict(run(dag, "b", try_number=1).xcoms)["return_value"] == "try 1"
    assert dict(run(dag, "b", try_number=2).xcoms)["return_value"] == "try 2"
    assert dag.get_task("b").bash_command == "echo try {{ ti.try_number }}"
