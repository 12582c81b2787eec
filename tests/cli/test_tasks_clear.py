"""``tasks clear``: failed tasks run again with their try number going on."""

from __future__ import annotations

from cli_helpers import invoke, invoke_json

from slipstream.cli.environment import load_settings, open_store
from slipstream.scheduler.run_to_end import schedule_until_finished

FLAKY = """
from datetime import datetime
from pathlib import Path
from slipstream import DAG, PythonOperator

FLAG = Path({flag!r})

def flaky():
    if not FLAG.exists():
        raise RuntimeError("the flag file is missing")

with DAG("flaky", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="first", python_callable=lambda: None) >> PythonOperator(
        task_id="needs_flag", python_callable=flaky
    ) >> PythonOperator(task_id="last", python_callable=lambda: None)
"""


def test_clear_only_failed_then_run_again(runner, dags_dir, tmp_path):
    flag = tmp_path / "flag"
    (dags_dir / "flaky.py").write_text(FLAKY.format(flag=str(flag)))
    invoke(runner, "dags", "test", "flaky", code=1)
    (run,) = invoke_json(runner, "dags", "list-runs", "flaky")
    states = {r["task_id"]: r["state"] for r in invoke_json(runner, "tasks", "states-for-dag-run", "flaky", run["run_id"])}
    assert states == {"first": "success", "needs_flag": "failed", "last": "upstream_failed"}

    result = invoke(runner, "tasks", "clear", "flaky", "--only-failed", "-y")
    assert "Cleared 2 task instance(s)" in result.output
    assert invoke_json(runner, "dags", "list-runs", "flaky")[0]["state"] == "queued"

    flag.write_text("present")
    settings = load_settings(str(dags_dir))
    db = open_store(settings)
    final = schedule_until_finished(settings, db, "flaky", run["run_id"], timeout=60)
    assert final.state == "success"
    rows = {r["task_id"]: r for r in invoke_json(runner, "tasks", "states-for-dag-run", "flaky", run["run_id"])}
    assert (rows["needs_flag"]["state"], rows["needs_flag"]["try_number"]) == ("success", 2)
    assert (rows["first"]["state"], rows["first"]["try_number"]) == ("success", 1)


def test_clear_with_a_bad_pattern_is_refused(runner, dags_dir, tmp_path):
    (dags_dir / "flaky.py").write_text(FLAKY.format(flag=str(tmp_path / "f")))
    result = invoke(runner, "tasks", "clear", "flaky", "-t", "([", "-y", code=1)
    assert "not a valid regular expression" in result.stderr


FLAKY_WORK = '''
from datetime import datetime

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def work(ti):
    if ti.try_number == 1:
        raise RuntimeError("the first try fails")


with DAG("st_clear", start_date=datetime(2024, 1, 1), schedule=None):
    create = PythonOperator(task_id="create", python_callable=lambda: None).as_setup()
    w = PythonOperator(task_id="work", python_callable=work)
    delete = PythonOperator(task_id="delete", python_callable=lambda: None).as_teardown(setups=create)
    unrelated = PythonOperator(task_id="unrelated", python_callable=lambda: None)
    create >> w >> delete
'''


def test_clearing_the_work_clears_its_setup_and_teardown(runner, dags_dir):
    (dags_dir / "st_clear.py").write_text(FLAKY_WORK)
    invoke(runner, "dags", "test", "st_clear", code=1)
    (run,) = invoke_json(runner, "dags", "list-runs", "st_clear")
    assert run["state"] == "failed"

    result = invoke(runner, "tasks", "clear", "st_clear", "-t", "^work$", "-y")
    assert "Cleared 3 task instance(s)" in result.output
    rows = {r["task_id"]: r for r in invoke_json(runner, "tasks", "states-for-dag-run", "st_clear", run["run_id"])}
    assert {t: r["state"] for t, r in rows.items()} == {"create": "none", "work": "none", "delete": "none", "unrelated": "success"}

    settings = load_settings(str(dags_dir))
    final = schedule_until_finished(settings, open_store(settings), "st_clear", run["run_id"], timeout=60)
    assert final.state == "success"
    rows = {r["task_id"]: r for r in invoke_json(runner, "tasks", "states-for-dag-run", "st_clear", run["run_id"])}
    assert {t: (r["state"], r["try_number"]) for t, r in rows.items()} == {
        "create": ("success", 2), "work": ("success", 2), "delete": ("success", 2), "unrelated": ("success", 1),
    }
