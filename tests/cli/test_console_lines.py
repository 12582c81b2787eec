"""What the console shows: every state change of the scheduler in order, ``running`` included;
piped output as whole lines; task processes named in ``ps``."""

from __future__ import annotations

import json
import os
import re
import signal
import time
from pathlib import Path

import pytest
from cli_helpers import FAILING_DAG, run

LONG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("long_task", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="nap", bash_command="sleep 4")
    BashOperator.partial(task_id="naps").expand(bash_command=["sleep 4", "sleep 4"])
"""


def state_lines(lines: list[str], run_id: str) -> list[tuple[str, str]]:
    """(subject, state) of each state line of the run, in the order printed."""
    found = []
    for line in lines:
        if match := re.match(rf"^\d\d:\d\d:\d\d\.\d{{3}} (.+) {re.escape(run_id)}: (\w+)$", line):
            found.append((match[1], match[2]))
    return found


def stamps(lines: list[str]) -> list[str]:
    """The times of the state lines, as printed."""
    return [line[:12] for line in lines if re.match(r"^\d\d:\d\d:\d\d\.\d{3} .+: \w+$", line)]


def test_the_scheduler_prints_running_and_a_runs_end_after_the_task_end_that_caused_it(server, dags_dir):
    (dags_dir / "failing.py").write_text(FAILING_DAG.replace("echo fine", "sleep 1; echo fine"))
    scheduler = server("scheduler")
    scheduler.wait_for(r"^Loaded DAG failing_dag")
    run_id = json.loads(run("dags", "trigger", "failing_dag", "-o", "json").stdout)[0]["run_id"]
    scheduler.wait_for(rf"DAG run failing_dag {re.escape(run_id)}: failed")
    assert scheduler.stop(signal.SIGTERM) == 0, scheduler.output
    lines = state_lines(scheduler.lines, run_id)
    for task in ("ok", "bad"):
        states = [state for subject, state in lines if subject == f"failing_dag.{task}"]
        assert states == ["queued", "running", "success" if task == "ok" else "failed"], scheduler.output
    order = [f"{subject}: {state}" for subject, state in lines]
    assert order.index("failing_dag.bad: failed") < order.index("DAG run failing_dag: failed"), scheduler.output
    assert order.index("failing_dag.after: upstream_failed") < order.index("DAG run failing_dag: failed")
    assert order.count("DAG run failing_dag: failed") == 1 and order.count("failing_dag.bad: failed") == 1
    assert scheduler.lines[-1] == "Scheduler stopped."
    assert stamps(scheduler.lines) == sorted(stamps(scheduler.lines)), scheduler.output


def test_a_long_task_shows_running_while_it_runs(server, dags_dir):
    (dags_dir / "long.py").write_text(LONG)
    scheduler = server("scheduler")
    scheduler.wait_for(r"^Loaded DAG long_task")
    run_id = json.loads(run("dags", "trigger", "long_task", "-o", "json").stdout)[0]["run_id"]
    scheduler.wait_for(rf"long_task\.nap {re.escape(run_id)}: running$")
    scheduler.wait_for(rf"long_task\.naps\[1\] {re.escape(run_id)}: running$")
    assert not any(re.search(r"long_task\.nap\S* \S+: success", line) for line in scheduler.lines), (
        "running is printed when the try starts, not with its end"
    )
    scheduler.wait_for(rf"DAG run long_task {re.escape(run_id)}: success")
    assert scheduler.stop(signal.SIGTERM) == 0, scheduler.output
    # Three tasks start at once, their starts found by polling: still printed in time order.
    times = stamps(scheduler.lines)
    assert len(times) >= 11 and times == sorted(times), scheduler.output


def test_piped_dags_test_output_is_whole_lines(dags_dir):
    (dags_dir / "failing.py").write_text(FAILING_DAG)
    env = dict(os.environ, COLUMNS="40")
    out = run("dags", "test", "failing_dag", code=1, env=env).stdout
    assert re.search(r"^DAG run failing_dag manual__\S+: failed in [\d.]+ s$", out, re.MULTILINE), out
    assert re.search(r"^\[bad\] .*RuntimeError: boom on purpose", out, re.MULTILINE), out


def _titles() -> dict[int, str]:
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
            except OSError:
                continue
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="reads /proc")
def test_task_processes_are_named_after_their_dag_task_map_index_and_try(server, dags_dir):
    (dags_dir / "long.py").write_text(LONG)
    test = server("dags", "test", "long_task", "--quiet")
    wanted = {"slipstream task long_task.nap try 1", "slipstream task long_task.naps[0] try 1",
              "slipstream task long_task.naps[1] try 1"}
    deadline = time.monotonic() + 60
    while not wanted <= set(_titles().values()):
        assert time.monotonic() < deadline, (sorted(set(_titles().values()) & wanted), test.output)
        time.sleep(0.1)
    assert test.process.wait(60) == 0
