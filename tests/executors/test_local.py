"""LocalExecutor: tries run in parallel in their own processes; a killed one is reported."""

from __future__ import annotations

import signal
import time

from slipstream.executors.local import LocalExecutor
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

PARALLEL = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("parallel", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    for i in range(4):
        BashOperator(task_id=f"sleep_{i}", bash_command="echo start $AIRFLOW_CTX_TASK_ID; sleep 1; echo done")
"""


def test_tasks_run_at_the_same_time_in_their_own_processes(settings, db, write_dag, parse):
    write_dag("parallel.py", PARALLEL)
    parse()
    run = run_dag_to_end(settings, db, "parallel", timeout=60)
    assert run.state == "success"
    with db.read() as session:
        rows = task_instances.for_run(session, "parallel", run.run_id)
    assert len({r.pid for r in rows}) == 4
    latest_start = max(r.start_date for r in rows)
    earliest_end = min(r.end_date for r in rows)
    assert latest_start < earliest_end, "all four sleeps overlap"


KILLABLE = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("killable", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="sleeps", bash_command="sleep 60")
"""


def test_terminate_kills_the_whole_process_group(settings, db, write_dag, parse):
    from slipstream.scheduler.scheduler import Scheduler
    from slipstream.scheduler.triggering import trigger_dag

    write_dag("killable.py", KILLABLE)
    parse()
    run = trigger_dag(db, "killable")
    executor = LocalExecutor(settings)
    scheduler = Scheduler(settings, db, executor)
    scheduler.run_once()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.read() as session:
            (row,) = task_instances.for_run(session, "killable", run.run_id)
        if row.state == "running":
            break
        time.sleep(0.05)
    assert row.state == "running"
    executor.terminate()
    event = executor.events.get(timeout=30)
    assert event.exit_code == -signal.SIGTERM and "SIGTERM" in event.detail
    scheduler.run_once(events=[event])
    with db.read() as session:
        (row,) = task_instances.for_run(session, "killable", run.run_id)
    assert row.state == "failed" and "SIGTERM" in row.state_reason
    executor.end(timeout=10)
