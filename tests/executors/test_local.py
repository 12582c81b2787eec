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


def _wait_running(db, dag_id, run_id, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with db.read() as session:
            (row,) = task_instances.for_run(session, dag_id, run_id)
        if row.state == "running":
            return row
        time.sleep(0.05)
    raise AssertionError(f"{dag_id} never started running")


def test_terminate_kills_the_whole_process_group(settings, db, write_dag, parse):
    from slipstream.scheduler.scheduler import Scheduler
    from slipstream.scheduler.triggering import trigger_dag

    write_dag("killable.py", KILLABLE)
    parse()
    run = trigger_dag(db, "killable")
    executor = LocalExecutor(settings)
    scheduler = Scheduler(settings, db, executor)
    scheduler.run_once()
    _wait_running(db, "killable", run.run_id)
    executor.terminate()
    event = executor.events.get(timeout=30)
    assert event.exit_code == -signal.SIGTERM and "SIGTERM" in event.detail
    scheduler.run_once(events=[event])
    with db.read() as session:
        (row,) = task_instances.for_run(session, "killable", run.run_id)
    assert row.state == "failed" and "SIGTERM" in row.state_reason
    executor.end(timeout=10)


def test_the_store_service_keeps_the_heartbeat_and_stops_a_marked_try(settings, db, write_dag, parse):
    """A task process has no heartbeat thread: the process that answers its store calls records
    its heartbeat while its channel is open, and stops its process group when a user marks it."""
    from slipstream.scheduler.scheduler import Scheduler
    from slipstream.scheduler.triggering import trigger_dag
    from slipstream.store.clock import utcnow
    from slipstream.store.log_paths import log_path

    write_dag("killable.py", KILLABLE)
    parse()
    run = trigger_dag(db, "killable")
    executor = LocalExecutor(settings)  # task_heartbeat_sec is 1 s in tests
    scheduler = Scheduler(settings, db, executor)
    try:
        scheduler.run_once()
        started = _wait_running(db, "killable", run.run_id)
        deadline = time.monotonic() + 10
        beats = set()
        while len(beats) < 3 and time.monotonic() < deadline:
            with db.read() as session:
                beats.add(task_instances.get(session, started.id).last_heartbeat_at)
            time.sleep(0.2)
        assert len(beats) >= 3, "the heartbeat moves on while the task runs"
        with db.write() as session:
            assert task_instances.mark(session, started.id, "running", "success", utcnow())
        event = executor.events.get(timeout=15)
        assert event.exit_code == -signal.SIGTERM, event.detail
        with db.read() as session:
            assert task_instances.get(session, started.id).state == "success", "the mark stands"
        path = log_path(settings.base_log_folder, "killable", run.run_id, "sleeps", -1, started.try_number)
        assert "no longer the running one" in path.read_text()
    finally:
        executor.terminate()
        executor.end(timeout=10)


LEAN = """
from datetime import datetime
import sys
from slipstream import DAG, PythonOperator

with DAG("lean", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="look", python_callable=lambda: sorted(m for m in ("sqlalchemy", "alembic") if m in sys.modules))
"""


def test_task_processes_are_forked_without_sqlalchemy(settings, db, write_dag, parse):
    """The store service does the task's database work, so what task processes are forked from
    never loads SQLAlchemy: the fork and the exit stay cheap."""
    import re
    import socket

    from slipstream.store import xcoms
    from slipstream.store.log_paths import log_path

    write_dag("lean.py", LEAN)
    parse()
    run = run_dag_to_end(settings, db, "lean", timeout=60)
    assert run.state == "success"
    with db.read() as session:
        assert xcoms.pull(session, dag_id="lean", run_id=run.run_id, task_id="look", key="return_value") == []
    lines = log_path(settings.base_log_folder, "lean", run.run_id, "look", -1, 1).read_text().splitlines()
    shape = r"^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}\] \{[a-z_]+\.py:\d+\} INFO - "
    assert [re.sub(shape, "", line) for line in lines] == [
        f"Running lean.look run={run.run_id} try=1 on {socket.gethostname()} (pid {lines[0].split('pid ')[1][:-1]})",
        "Done. Returned value was: []",
        "Marking task as SUCCESS.",
    ], lines


SURVIVES = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("survives", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="waits", bash_command="sleep 2", retries=0)
"""


def _until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {check}")


def test_a_killed_store_service_is_started_again_at_once_and_the_running_try_records_its_result(
    settings, db, write_dag, parse
):
    """The try whose store service died goes on: it connects to the new one, which the executor
    starts at once (not when new work comes), and records its result there (retries=0, and it
    succeeds on its first try); the old fork server still reports the try's exit, then closes."""
    import threading

    from slipstream.scheduler.scheduler import Scheduler
    from slipstream.scheduler.triggering import trigger_dag
    from slipstream.store.log_paths import log_path

    write_dag("survives.py", SURVIVES)
    parse()
    run = trigger_dag(db, "survives")
    executor = LocalExecutor(settings)
    scheduler = Scheduler(settings, db, executor, only_run=("survives", run.run_id))
    stop = threading.Event()
    loop = threading.Thread(target=scheduler.run, kwargs={"stop": stop}, daemon=True)
    loop.start()
    try:
        _wait_running(db, "survives", run.run_id)
        first_service = executor._store_service
        first_service.kill()
        _until(lambda: executor._store_service is not first_service and executor._store_service.poll() is None)

        def finished():
            with db.read() as session:
                (row,) = task_instances.for_run(session, "survives", run.run_id)
            return row if row.state in ("success", "failed", "up_for_retry") else None

        row = _until(finished)
        assert (row.state, row.try_number) == ("success", 1), row.state_reason
        _until(lambda: executor.running == 0 and not executor._retired)  # the exit came through the old server
        text = log_path(settings.base_log_folder, "survives", run.run_id, "waits", -1, 1).read_text()
        assert "connected to its new one" in text and "Marking task as SUCCESS." in text
    finally:
        stop.set()
        loop.join(30)
        executor.end(timeout=10)
