"""Tasks' log lines: streamed by ``dags test`` as they are written, and read by ``tasks logs``."""

from __future__ import annotations

import contextlib
import json
import re
import sqlite3
import time
from pathlib import Path

from cli_helpers import run

SLOW = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
from airflow.operators.python import PythonOperator


def extract():
    print("Extracting 10 rows")


with DAG("logged", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    first = PythonOperator(task_id="extract", python_callable=extract)
    slow = BashOperator(task_id="slow", bash_command="echo 'line one'; sleep 3; echo 'line two'")
    mapped = BashOperator.partial(task_id="mapped").expand(bash_command=["echo mapped zero", "echo mapped one"])
    first >> slow
"""


def latest_run(dag_id: str) -> str:
    runs = json.loads(run("dags", "list-runs", dag_id, "-o", "json").stdout)
    return runs[0]["run_id"]


def test_dags_test_prints_each_tasks_lines_prefixed_by_its_task_as_they_are_written(server, dags_dir):
    (dags_dir / "logged.py").write_text(SLOW)
    test = server("dags", "test", "logged")
    test.wait_for(r"^\[extract\] Extracting 10 rows$")
    test.wait_for(r"^\[slow\] line one$")
    assert test.process.poll() is None, "the first line is printed while the task still runs"
    assert "[slow] line two" not in test.lines
    test.wait_for(r"^\[slow\] line two$")
    test.wait_for(r"^\[mapped\[1\]\] mapped one$")
    test.wait_for(r"DAG run logged \S+: success")
    assert test.process.wait(10) == 0


def test_dags_test_quiet_shows_only_the_table(dags_dir):
    (dags_dir / "logged.py").write_text(SLOW.replace("sleep 3", "sleep 0"))
    out = run("dags", "test", "logged", "--quiet").stdout
    assert re.search(r"slow\s.*\ssuccess", out), out
    assert "[slow]" not in out and "Extracting" not in out


def test_tasks_logs_prints_a_try_and_says_what_is_missing(dags_dir):
    (dags_dir / "logged.py").write_text(SLOW.replace("sleep 3", "sleep 0"))
    run("dags", "test", "logged", "--quiet")
    run_id = latest_run("logged")
    out = run("tasks", "logs", "logged", run_id, "extract").stdout
    assert "Extracting 10 rows" in out and out.endswith("\n")
    assert "Extracting 10 rows" in run("tasks", "logs", "logged", run_id, "extract", "--try", "1").stdout
    assert "mapped one" in run("tasks", "logs", "logged", run_id, "mapped", "--map-index", "1").stdout
    missing_try = run("tasks", "logs", "logged", run_id, "extract", "--try", "2", code=1)
    assert "has no try 2 (tries 1 to 1)" in missing_try.stderr
    missing_task = run("tasks", "logs", "logged", run_id, "nope", code=1)
    assert "'nope'" in missing_task.stderr and "not found" in missing_task.stderr


def running_try(home: Path, dag_id: str, task_id: str) -> str:
    """The run id once ``task_id`` runs (read straight from the SQLite file: quicker than a command)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with contextlib.suppress(sqlite3.OperationalError), sqlite3.connect(home / "slipstream.db") as db:
            found = db.execute(
                "SELECT run_id FROM task_instance WHERE dag_id = ? AND task_id = ? AND state = 'running'", (dag_id, task_id)
            ).fetchone()
            if found:
                return found[0]
        time.sleep(0.1)
    raise AssertionError(f"{dag_id}.{task_id} did not start running")


def test_tasks_logs_follow_prints_new_lines_until_the_try_ends(server, home, dags_dir):
    (dags_dir / "logged.py").write_text(SLOW.replace("sleep 3", "sleep 6"))
    test = server("dags", "test", "logged", "--quiet")
    run_id = running_try(home, "logged", "slow")
    follow = server("tasks", "logs", "logged", run_id, "slow", "--follow")
    follow.wait_for(r"line one$")
    assert follow.process.poll() is None, "it waits for the lines still to come"
    follow.wait_for(r"line two$")
    assert follow.process.wait(30) == 0
    assert test.process.wait(30) == 0
