"""Sensors through the real scheduler and local executor (task processes forked from zygotes):
reschedule mode frees the slot between pokes and keeps the try number, the timeout counts from
the first poke, soft_fail skips, and the listings show ``up_for_reschedule``."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from slipstream.cli.main import cli
from slipstream.executors.inline import InlineExecutor
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import pools, task_instances, task_logs, task_reschedules
from slipstream.store.clock import utcnow
from slipstream.store.models import TaskRescheduleRow

WAIT_FOR_FILE = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator
from airflow.providers.standard.sensors.filesystem import FileSensor

with DAG("wait_for_file", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    wait = FileSensor(task_id="wait", filepath={path!r}, mode="reschedule", poke_interval=0.2, timeout=60)
    wait >> EmptyOperator(task_id="after")
"""


def ti_row(db: Any, dag_id: str, run_id: str, task_id: str) -> Any:
    with db.read() as session:
        return next(ti for ti in task_instances.for_run(session, dag_id, run_id) if ti.task_id == task_id)


def reschedules(db: Any, dag_id: str, run_id: str, task_id: str) -> list[Any]:
    with db.read() as session:
        return task_reschedules.for_task_instance(session, dag_id, run_id, task_id)


def test_a_file_sensor_in_reschedule_mode_waits_for_a_file_written_later(
    settings: Any, db: Any, write_dag: Any, parse: Any, tmp_path: Path
) -> None:
    target = tmp_path / "arrives_later.csv"
    write_dag("wait_for_file.py", WAIT_FOR_FILE.format(path=str(target)))
    parse()
    stop = threading.Event()

    def write_after_the_first_reschedules() -> None:
        """Write the file 0.7 s after the sensor's first reschedule (the local executor's start
        takes a moment, so a fixed delay from here would race with the first poke)."""
        while not stop.is_set():
            with db.read() as session:
                if session.query(TaskRescheduleRow).count():
                    break
            time.sleep(0.05)
        if not stop.wait(0.7):
            target.write_text("id\n1\n")

    writer = threading.Thread(target=write_after_the_first_reschedules)
    writer.start()
    try:
        run = run_dag_to_end(settings, db, "wait_for_file", timeout=60)
    finally:
        stop.set()
        writer.join()
    assert run.state == "success"
    sensor = ti_row(db, "wait_for_file", run.run_id, "wait")
    assert (sensor.state, sensor.try_number) == ("success", 1)
    rows = reschedules(db, "wait_for_file", run.run_id, "wait")
    assert len(rows) >= 2
    assert {r.try_number for r in rows} == {1}
    for row in rows:
        assert row.start_date + timedelta(seconds=0.2) <= row.reschedule_date <= row.end_date + timedelta(seconds=0.21)
    # Every poke wrote on in the one log of try 1.
    with db.read() as session:
        logs = task_logs.for_task(session, "wait_for_file", run.run_id, "wait")
    assert [entry.try_number for entry in logs] == [1]
    text = Path(logs[0].path).read_text()
    assert text.count("Poking for file") == len(rows) + 1
    assert not Path(logs[0].path).with_name("2.log").exists()


ONE_SLOT = """
from datetime import datetime
from pathlib import Path
from airflow import DAG
from airflow.operators.python import PythonOperator
from airflow.sensors.filesystem import FileSensor

def write():
    Path({path!r}).write_text("done")

with DAG("one_slot", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    FileSensor(
        task_id="wait", filepath={path!r}, pool="one_slot", priority_weight=10, mode={mode!r},
        poke_interval=0.2, timeout={timeout}, soft_fail=True,
    )
    PythonOperator(task_id="write", python_callable=write, pool="one_slot")
"""


def one_slot_pool(db: Any) -> None:
    with db.write() as session:
        pools.set_pool(session, "one_slot", 1)


def test_reschedule_mode_frees_the_slot_for_another_task_between_pokes(
    settings: Any, db: Any, write_dag: Any, parse: Any, tmp_path: Path
) -> None:
    """The file is written by a task that can only run while the sensor does not hold the pool's
    one slot."""
    target = tmp_path / "written_by_a_task.txt"
    write_dag("one_slot.py", ONE_SLOT.format(path=str(target), mode="reschedule", timeout=60))
    parse()
    one_slot_pool(db)
    run = run_dag_to_end(settings, db, "one_slot", timeout=60)
    assert run.state == "success"
    sensor, writer = ti_row(db, "one_slot", run.run_id, "wait"), ti_row(db, "one_slot", run.run_id, "write")
    assert (sensor.state, sensor.try_number, writer.state) == ("success", 1, "success")
    rows = reschedules(db, "one_slot", run.run_id, "wait")
    assert rows, "the sensor poked first (higher priority) and must have given its slot back"
    assert rows[0].end_date <= writer.start_date
    assert sensor.start_date >= writer.end_date  # the poke that found the file came after the writer


def test_poke_mode_holds_the_slot_so_the_writer_waits_and_soft_fail_skips_the_sensor(
    settings: Any, db: Any, write_dag: Any, parse: Any, tmp_path: Path
) -> None:
    target = tmp_path / "never_in_time.txt"
    write_dag("one_slot.py", ONE_SLOT.format(path=str(target), mode="poke", timeout=1.0))
    parse()
    one_slot_pool(db)
    run = run_dag_to_end(settings, db, "one_slot", timeout=60)
    sensor, writer = ti_row(db, "one_slot", run.run_id, "wait"), ti_row(db, "one_slot", run.run_id, "write")
    assert sensor.state == "skipped"
    assert "AirflowSensorTimeout" in (sensor.state_reason or "") or "timeout" in (sensor.state_reason or "")
    assert writer.state == "success"
    assert writer.start_date >= sensor.end_date
    assert reschedules(db, "one_slot", run.run_id, "wait") == []


TIMEOUTS = """
from datetime import datetime
from airflow import DAG
from airflow.sensors.filesystem import FileSensor

with DAG("timeouts", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    FileSensor(task_id="strict", filepath={path!r}, mode="reschedule", poke_interval=0.2, timeout=1.0, retries=2)
    FileSensor(task_id="soft", filepath={path!r}, mode="reschedule", poke_interval=0.2, timeout=1.0, soft_fail=True)
"""


def test_in_reschedule_mode_the_timeout_counts_from_the_first_poke(
    settings: Any, db: Any, write_dag: Any, parse: Any, tmp_path: Path
) -> None:
    """Each poke takes milliseconds; only a timeout counted from the first poke ends the wait."""
    write_dag("timeouts.py", TIMEOUTS.format(path=str(tmp_path / "never.txt")))
    parse()
    run = run_dag_to_end(settings, db, "timeouts", timeout=60)
    assert run.state == "failed"
    strict, soft = ti_row(db, "timeouts", run.run_id, "strict"), ti_row(db, "timeouts", run.run_id, "soft")
    assert (strict.state, strict.try_number) == ("failed", 1), "a sensor timeout uses no retry"
    assert "AirflowSensorTimeout" in (strict.state_reason or "")
    assert (soft.state, soft.try_number) == ("skipped", 1)
    for ti in (strict, soft):
        rows = reschedules(db, "timeouts", run.run_id, ti.task_id)
        assert len(rows) >= 2
        assert all(r.end_date - r.start_date < timedelta(seconds=1) for r in rows), "no poke alone took the timeout"
        assert ti.end_date - rows[0].start_date >= timedelta(seconds=1)


LISTED = """
from datetime import datetime
from airflow import DAG
from airflow.sensors.filesystem import FileSensor

with DAG("listed", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    FileSensor(task_id="wait", filepath={path!r}, mode="reschedule", poke_interval=60)
"""


def test_stepped_reschedule_is_listed_and_the_same_try_runs_again_when_due(
    settings: Any, db: Any, write_dag: Any, parse: Any, tmp_path: Path
) -> None:
    target = tmp_path / "stepped.txt"
    write_dag("listed.py", LISTED.format(path=str(target)))
    parse()
    run = trigger_dag(db, "listed")
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db))
    scheduler.run_once()
    waiting = ti_row(db, "listed", run.run_id, "wait")
    assert waiting.state == "up_for_reschedule"
    assert waiting.next_try_at is not None
    assert 55 <= (waiting.next_try_at - utcnow()).total_seconds() <= 61

    listed = CliRunner().invoke(cli, ["tasks", "states-for-dag-run", "listed", run.run_id, "-o", "json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert row["state"] == "up_for_reschedule"
    assert "sensor rescheduled" in row["reason"]

    assert scheduler.run_once().dispatched == []  # not due yet
    target.write_text("here")
    result = scheduler.run_once(now=utcnow() + timedelta(seconds=61))
    assert [w.try_number for w in result.dispatched] == [1]
    done = ti_row(db, "listed", run.run_id, "wait")
    assert (done.state, done.try_number) == ("success", 1)
    assert len(reschedules(db, "listed", run.run_id, "wait")) == 1
