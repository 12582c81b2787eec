"""One scheduler per SQLite store: a second one (or a standalone beside a scheduler) is refused
with what to do; one whose process died does not block the next."""

from __future__ import annotations

import os
import re
import signal

from cli_helpers import run


def test_a_second_scheduler_on_sqlite_is_refused_and_says_why(server, home):
    first = server("scheduler")
    first.wait_for("Scheduler started")
    second = run("scheduler", code=1)
    assert "Another scheduler runs on this SQLite store" in second.stderr
    assert "set [database] sql_alchemy_conn to PostgreSQL to run several" in second.stderr
    assert "Traceback" not in second.stderr
    refused = run("standalone", code=1, env={**os.environ, "SLIPSTREAM__API__PORT": "0"})
    assert "Another scheduler runs on this SQLite store" in refused.stderr

    first.process.send_signal(signal.SIGKILL)  # dies without ending its job: the next scheduler takes over
    first.process.wait()
    third = server("scheduler")
    third.wait_for("Scheduler started")
    assert third.stop(signal.SIGTERM) == 0


def test_celery_needs_postgresql_and_says_so(home):
    celery = {**os.environ, "SLIPSTREAM__CORE__EXECUTOR": "CeleryExecutor"}
    refused = run("scheduler", code=1, env=celery)
    assert "The CeleryExecutor needs a metadata database that workers on other machines reach" in refused.stderr
    worker = run("celery", "worker", code=1, env=celery)
    assert "sql_alchemy_conn to PostgreSQL" in worker.stderr
    unknown = run("scheduler", code=1, env={**os.environ, "SLIPSTREAM__CORE__EXECUTOR": "SequentialExecutor"})
    assert "[core] executor = 'SequentialExecutor'" in unknown.stderr and "Traceback" not in unknown.stderr


ONCE_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("once", schedule="@once", start_date=datetime(2024, 1, 1), is_paused_upon_creation=False):
    BashOperator(task_id="t", bash_command="true")
"""


def test_scheduler_num_runs_and_only_idle_stop_it_by_itself(runner, home, monkeypatch):
    from cli_helpers import invoke, invoke_json

    (home / "dags" / "once.py").write_text(ONCE_DAG)
    invoke(runner, "dags", "reserialize")
    env = {**os.environ, "SLIPSTREAM__SCHEDULER__POLL_INTERVAL": "0.1"}
    done = run("scheduler", "-n", "30", "-i", "-v", env=env)  # stops after 3 s with nothing to do, in a row
    assert "Scheduler stopped." in done.stdout
    passes = int(re.search(r"Stopping after (\d+) scheduler passes \(30 idle in a row\)", done.stderr + done.stdout)[1])
    assert passes > 30  # the passes that ran the task did not count
    assert invoke_json(runner, "dags", "list-runs", "once")[0]["state"] == "success"
