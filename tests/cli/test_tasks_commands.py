"""``slipstream tasks list | test | states-for-dag-run``."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from cli_helpers import FAILING_DAG, add_seeds, invoke, invoke_json, no_traceback, run

PROCESSING_TASKS = {
    "start_pipeline", "extract_sales_data", "extract_customer_data", "extract_inventory_data",
    "process_sales_data", "process_customer_data", "process_inventory_data", "combine_all_data", "end_pipeline",
}


@pytest.fixture
def seeded(dags_dir: Path, seed_dags: Path) -> Path:
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py", "seed000_parallel_data_processing.py")
    return dags_dir


def _rows(home: Path, table: str) -> int:
    with sqlite3.connect(home / "slipstream.db") as connection:
        return connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


# -- list ------------------------------------------------------------------------------------


def test_list_prints_the_nine_tasks_in_dependency_order(runner, seeded):
    listed = invoke(runner, "tasks", "list", "parallel_data_processing").stdout.split()
    assert len(listed) == 9
    assert set(listed) == PROCESSING_TASKS
    assert listed[0] == "start_pipeline"
    assert listed[-2:] == ["combine_all_data", "end_pipeline"]
    position = {task: n for n, task in enumerate(listed)}
    for kind in ("sales", "customer", "inventory"):
        assert position[f"extract_{kind}_data"] < position[f"process_{kind}_data"] < position["combine_all_data"]


def test_list_json_gives_operators_and_upstreams(runner, seeded):
    rows = invoke_json(runner, "tasks", "list", "parallel_data_processing")
    assert [r["task_id"] for r in rows] == invoke(runner, "tasks", "list", "parallel_data_processing").stdout.split()
    seen: set[str] = set()
    for row in rows:
        assert set(row["upstream"]) <= seen, f"{row['task_id']} listed before its upstream {row['upstream']}"
        seen.add(row["task_id"])
    by_id = {r["task_id"]: r for r in rows}
    assert by_id["start_pipeline"]["operator"] == "EmptyOperator"  # DummyOperator maps to EmptyOperator
    assert by_id["extract_sales_data"]["operator"] == "BashOperator"
    assert sorted(by_id["combine_all_data"]["upstream"]) == [
        "process_customer_data", "process_inventory_data", "process_sales_data",
    ]
    assert by_id["end_pipeline"]["trigger_rule"] == "all_success"
    plain = invoke(runner, "tasks", "list", "parallel_dependencies", "-o", "plain").stdout.splitlines()
    assert plain[0].split(" | ")[0].strip() == "task_id" and len(plain) == 4


def test_list_of_an_unknown_dag(runner, seeded):
    assert "DAG 'nope' not found" in invoke(runner, "tasks", "list", "nope", code=1).stderr


# -- test ------------------------------------------------------------------------------------


def test_tasks_test_runs_one_task_and_records_nothing(home, seeded):
    done = run("tasks", "test", "parallel_dependencies", "task_a")
    assert "Task A is running" in done.stdout
    assert "Task task_a finished: success" in done.stdout
    assert "Task B is running" not in done.stdout
    assert _rows(home, "dag_run") == 0
    assert _rows(home, "task_instance") == 0
    assert _rows(home, "xcom") == 0
    assert json.loads(run("dags", "list-runs", "parallel_dependencies", "-o", "json").stdout) == []


def test_tasks_test_ignores_dependencies(home, seeded):
    done = run("tasks", "test", "parallel_dependencies", "task_c", "2024-01-01")
    assert "Task C is running" in done.stdout
    assert _rows(home, "dag_run") == 0


def test_tasks_test_of_a_failing_task_exits_1(home, dags_dir):
    (dags_dir / "failing.py").write_text(FAILING_DAG)
    done = run("tasks", "test", "failing_dag", "bad", code=1)
    assert "RuntimeError: boom on purpose" in done.stdout + done.stderr
    assert "Task bad finished: failed" in done.stdout
    assert _rows(home, "task_instance") == 0


def test_tasks_test_of_an_unknown_task(runner, seeded):
    result = invoke(runner, "tasks", "test", "parallel_dependencies", "task_z", code=1)
    assert "Task 'task_z' not found in DAG 'parallel_dependencies'" in result.stderr
    assert "Did you mean 'task_c'?" in result.stderr
    result = invoke(runner, "tasks", "test", "parallel_dependencies", "zzzzzz", code=1)
    assert "Its tasks: " in result.stderr and "task_a, task_b, task_c" in result.stderr


def test_tasks_test_with_bad_conf(runner, seeded):
    result = invoke(runner, "tasks", "test", "parallel_dependencies", "task_a", "-c", "{nope", code=2)
    assert "not valid JSON" in result.stderr
    assert no_traceback(result.output)


# -- states-for-dag-run ----------------------------------------------------------------------


def test_states_for_dag_run_after_dags_test(runner, seeded):
    invoke(runner, "dags", "test", "parallel_dependencies")
    [dag_run] = invoke_json(runner, "dags", "list-runs", "parallel_dependencies")
    rows = invoke_json(runner, "tasks", "states-for-dag-run", "parallel_dependencies", dag_run["run_id"])
    assert sorted(r["task_id"] for r in rows) == ["task_a", "task_b", "task_c"]
    for row in rows:
        assert row["state"] == "success"
        assert row["dag_id"] == "parallel_dependencies"
        assert row["map_index"] == -1
        assert row["try_number"] == 1
        assert row["logical_date"] == dag_run["logical_date"]
        assert row["start_date"] <= row["end_date"]
    by_id = {r["task_id"]: r for r in rows}
    assert by_id["task_c"]["start_date"] >= max(by_id["task_a"]["end_date"], by_id["task_b"]["end_date"])

    table = invoke(runner, "tasks", "states-for-dag-run", "parallel_dependencies", dag_run["run_id"]).stdout
    assert table.count("success") == 3


def test_states_for_a_queued_run(runner, seeded):
    [created] = invoke_json(runner, "dags", "trigger", "parallel_dependencies")
    rows = invoke_json(runner, "tasks", "states-for-dag-run", "parallel_dependencies", created["run_id"])
    assert {r["state"] for r in rows} == {"none"}


def test_states_for_an_unknown_run(runner, seeded):
    invoke(runner, "dags", "list")
    result = invoke(runner, "tasks", "states-for-dag-run", "parallel_dependencies", "no_run", code=1)
    assert "DAG run 'no_run' of DAG 'parallel_dependencies' not found" in result.stderr


# -- the reason column -----------------------------------------------------------------------

NO_POOL_DAG = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("pool_waiter", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="pooled", python_callable=lambda: None, pool="no_such_pool")
"""


def test_states_show_a_failed_try_reason(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    invoke(runner, "dags", "test", "failing_dag", code=1)
    [dag_run] = invoke_json(runner, "dags", "list-runs", "failing_dag")
    rows = {r["task_id"]: r for r in invoke_json(runner, "tasks", "states-for-dag-run", "failing_dag", dag_run["run_id"])}
    assert set(rows["ok"]) >= {"reason", "state", "try_number"}
    assert rows["bad"]["state"] == "failed"
    assert "boom on purpose" in rows["bad"]["reason"]
    table = invoke(runner, "tasks", "states-for-dag-run", "failing_dag", dag_run["run_id"]).stdout
    assert "reason" in table and "boom on purpose" in table


def test_states_show_why_a_task_waits_for_a_missing_pool(runner, dags_dir):
    from slipstream.cli.environment import load_settings, open_store
    from slipstream.executors.inline import InlineExecutor
    from slipstream.scheduler.scheduler import Scheduler

    (dags_dir / "pool_waiter.py").write_text(NO_POOL_DAG)
    [created] = invoke_json(runner, "dags", "trigger", "pool_waiter")
    settings = load_settings(str(dags_dir))
    store = open_store(settings)
    scheduler = Scheduler(settings, store, InlineExecutor(settings, store), only_run=("pool_waiter", created["run_id"]))
    for _ in range(3):
        assert not scheduler.run_once().dispatched
    [row] = invoke_json(runner, "tasks", "states-for-dag-run", "pool_waiter", created["run_id"])
    assert row["reason"].startswith("Pool 'no_such_pool' does not exist")
    assert row["state"] != "running"


def test_list_json_shows_where_a_task_asked_to_run(runner, dags_dir: Path):
    (dags_dir / "placed.py").write_text(
        "from datetime import datetime\n"
        "from airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.empty import EmptyOperator\n"
        "with DAG('placed', start_date=datetime(2024, 1, 1), schedule=None):\n"
        "    EmptyOperator(task_id='t', queue='gpu', executor='CeleryExecutor', run_as_user='etl',\n"
        "                  resources={'cpus': 2}, executor_config={'image': 'x'})\n"
    )
    (row,) = invoke_json(runner, "tasks", "list", "placed")
    assert {k: row[k] for k in ("queue", "executor", "run_as_user", "resources", "executor_config")} == {
        "queue": "gpu", "executor": "CeleryExecutor", "run_as_user": "etl", "resources": {"cpus": 2},
        "executor_config": {"image": "x"},
    }


INTERVAL_DAG = """
from datetime import datetime
from airflow.sdk import DAG, task

with DAG("interval_seen", start_date=datetime(2024, 1, 1), schedule="@daily") as dag:
    @task
    def show(data_interval_start=None, data_interval_end=None, dag=None):
        print(f"interval {data_interval_start.isoformat()} {data_interval_end.isoformat()} {type(dag.timetable).__name__}")

    show()
"""


def test_tasks_test_gets_the_data_interval_its_timetable_infers(home, dags_dir):
    """As Airflow's ``tasks test``: the instant asked for by default (a cron string runs at each
    tick), the last complete day with ``[scheduler] create_cron_data_intervals`` on."""
    import os

    (dags_dir / "interval.py").write_text(INTERVAL_DAG)
    done = run("tasks", "test", "interval_seen", "show", "2024-03-10T18:30:00+00:00")
    assert "interval 2024-03-10T18:30:00+00:00 2024-03-10T18:30:00+00:00 CronTriggerTimetable" in done.stdout
    env = {**os.environ, "AIRFLOW__SCHEDULER__CREATE_CRON_DATA_INTERVALS": "true"}
    done = run("tasks", "test", "interval_seen", "show", "2024-03-10T18:30:00+00:00", env=env)
    assert "interval 2024-03-09T00:00:00+00:00 2024-03-10T00:00:00+00:00 CronDataIntervalTimetable" in done.stdout
