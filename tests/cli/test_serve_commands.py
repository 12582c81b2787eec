"""``slipstream standalone`` and ``slipstream scheduler`` as real, long-running processes."""

from __future__ import annotations

import json
import re
import signal
import time

from cli_helpers import add_seeds, no_traceback, run


def _group_gone(server, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not server.group_alive():
            return True
        time.sleep(0.05)
    return False


def test_standalone_runs_a_triggered_dag_and_stops_on_sigint(server, home, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py")
    standalone = server("standalone")
    standalone.wait_for(r"^Slipstream home:\s+" + re.escape(str(home)))
    standalone.wait_for(r"^Loaded DAG parallel_dependencies \(3 tasks\) from .*seed001_parallel_dependencies\.py")

    created = json.loads(run("dags", "trigger", "parallel_dependencies", "-o", "json").stdout)
    run_id = created[0]["run_id"]
    run_pattern = re.escape(run_id)
    standalone.wait_for(rf"DAG run parallel_dependencies {run_pattern}: running")
    for task in ("task_a", "task_b", "task_c"):
        standalone.wait_for(rf"parallel_dependencies\.{task} {run_pattern}: success")
    standalone.wait_for(rf"DAG run parallel_dependencies {run_pattern}: success")

    runs = json.loads(run("dags", "list-runs", "parallel_dependencies", "-o", "json").stdout)
    assert [(r["run_id"], r["state"]) for r in runs] == [(run_id, "success")]
    states = json.loads(run("tasks", "states-for-dag-run", "parallel_dependencies", run_id, "-o", "json").stdout)
    by_id = {r["task_id"]: r for r in states}
    assert {r["state"] for r in states} == {"success"}
    # task_c starts only after task_a and task_b ended.
    assert by_id["task_c"]["start_date"] >= max(by_id["task_a"]["end_date"], by_id["task_b"]["end_date"]), states

    started = time.monotonic()
    code = standalone.stop(signal.SIGINT)
    assert code == 0, standalone.output
    assert time.monotonic() - started < 10
    assert standalone.lines[-1] == "Scheduler stopped.", standalone.output
    assert no_traceback(standalone.output)
    assert _group_gone(standalone), "processes of the standalone process group are still running"


def test_scheduler_reports_import_errors_and_stops_on_sigterm(server, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py", "seed004_parallel_dag.py")
    scheduler = server("scheduler")
    scheduler.wait_for(r"^Scheduler started")
    scheduler.wait_for(r"^Import error .*seed004_parallel_dag\.py:31: NameError: name 'task1' is not defined")
    scheduler.wait_for(r"^Loaded DAG parallel_dependencies")
    code = scheduler.stop(signal.SIGTERM)
    assert code == 0, scheduler.output
    assert scheduler.lines[-1] == "Scheduler stopped."
    assert no_traceback(scheduler.output)
    assert _group_gone(scheduler)


def test_standalone_creates_its_dags_folder(server, home, tmp_path):
    folder = tmp_path / "new" / "dags"
    standalone = server("standalone", "-S", str(folder))
    standalone.wait_for(r"^DAG folders:\s+" + re.escape(str(folder)))
    standalone.wait_for(r"^Scheduler started")
    assert folder.is_dir()
    assert standalone.stop(signal.SIGINT) == 0


SLOW = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("slow", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="first", bash_command="echo started; sleep 2; echo finished") >> BashOperator(
        task_id="second", bash_command="echo second"
    )
"""


def test_first_stop_lets_running_tasks_finish_and_starts_nothing_new(server, dags_dir):
    (dags_dir / "slow.py").write_text(SLOW)
    standalone = server("standalone")
    standalone.wait_for(r"^Loaded DAG slow")
    run_id = json.loads(run("dags", "trigger", "slow", "-o", "json").stdout)[0]["run_id"]
    standalone.wait_for(rf"slow\.first {re.escape(run_id)}: queued")
    time.sleep(0.5)
    code = standalone.stop(signal.SIGTERM)
    assert code == 0, standalone.output
    assert "waiting for 1 running task(s) to finish" in standalone.output
    states = {r["task_id"]: r["state"] for r in json.loads(run("tasks", "states-for-dag-run", "slow", run_id, "-o", "json").stdout)}
    assert states["first"] == "success"
    assert states["second"] in ("none", "scheduled"), "nothing new is started while stopping"


def test_second_stop_kills_running_tasks(server, dags_dir):
    (dags_dir / "slow.py").write_text(SLOW.replace("sleep 2", "sleep 60"))
    standalone = server("standalone")
    standalone.wait_for(r"^Loaded DAG slow")
    run_id = json.loads(run("dags", "trigger", "slow", "-o", "json").stdout)[0]["run_id"]
    standalone.wait_for(rf"slow\.first {re.escape(run_id)}: queued")
    time.sleep(0.5)
    standalone.process.send_signal(signal.SIGTERM)
    standalone.wait_for(r"waiting for 1 running task\(s\) to finish")
    started = time.monotonic()
    code = standalone.stop(signal.SIGTERM)
    assert code == 0, standalone.output
    assert time.monotonic() - started < 15
    states = {r["task_id"]: r["state"] for r in json.loads(run("tasks", "states-for-dag-run", "slow", run_id, "-o", "json").stdout)}
    assert states["first"] == "failed"
    assert _group_gone(standalone)
