"""execution_timeout: the try fails when its time is up, and nothing it started outlives it."""

from __future__ import annotations

import os
import time

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

TIMEOUTS = """
from datetime import datetime, timedelta
import signal, time
from slipstream import DAG, BashOperator, PythonOperator

def slow():
    time.sleep(30)

def stubborn():
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    time.sleep(30)

with DAG("timeouts", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="python_sleeps", python_callable=slow, execution_timeout=timedelta(seconds=1))
    BashOperator(
        task_id="bash_sleeps", bash_command="echo $$ > {pid_file}; sleep 30", execution_timeout=timedelta(seconds=1)
    )
    PythonOperator(task_id="ignores_the_alarm", python_callable=stubborn, execution_timeout=timedelta(seconds=1))
    PythonOperator(task_id="quick", python_callable=lambda: "ok", execution_timeout=timedelta(seconds=5))
"""


def test_tasks_past_their_execution_timeout_fail_and_leave_nothing_running(settings, db, write_dag, parse, tmp_path):
    pid_file = tmp_path / "bash.pid"
    write_dag("timeouts.py", TIMEOUTS.format(pid_file=pid_file))
    parse()
    started = time.monotonic()
    run = run_dag_to_end(settings, db, "timeouts", timeout=60)
    took = time.monotonic() - started
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "timeouts", run.run_id)}
    assert took < 20, "nobody waited for the 30 s sleeps"
    assert rows["quick"].state == "success"
    for task_id in ("python_sleeps", "bash_sleeps"):
        assert rows[task_id].state == "failed", task_id
        assert "execution_timeout of 1 s exceeded" in rows[task_id].state_reason
        assert rows[task_id].duration < 5
    stuck = rows["ignores_the_alarm"]
    assert stuck.state == "failed"
    assert "did not stop: its processes were killed" in stuck.state_reason
    bash_pid = int(pid_file.read_text())
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.kill(bash_pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the bash command of the timed-out task is still running")
