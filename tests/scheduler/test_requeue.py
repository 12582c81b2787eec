"""A workload its executor could not start (or lost before it claimed its try) comes back as a
requeue event: stepped passes, injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler_helpers import RecordingExecutor, states

from slipstream.executors.base import ExecutorEvent
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances
from slipstream.store.clock import utcnow

T0 = datetime(2024, 1, 1, tzinfo=UTC)

ONE = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("one", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="only", python_callable=lambda: None, retries=0)
"""


def _row(db, run_id):
    with db.read() as session:
        (row,) = task_instances.for_run(session, "one", run_id)
    return row


def test_a_queued_try_that_was_not_started_runs_again_as_the_same_try(settings, db, write_dag, parse):
    write_dag("one.py", ONE)
    parse()
    run = trigger_dag(db, "one", now=T0)
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor, clock=lambda: T0)
    scheduler.run_once()
    (workload,) = executor.queued
    assert (_row(db, run.run_id).state, workload.try_number) == ("queued", 1)
    executor.queued.clear()

    scheduler.run_once(events=[ExecutorEvent(workload, None, "its zygote ended before starting it", requeue=True)])
    (again,) = executor.queued
    assert again.try_number == 1, "dispatched again in the same pass, as the same try (none counted)"
    row = _row(db, run.run_id)
    assert (row.state, row.try_number) == ("queued", 1)


def test_a_claimed_try_is_left_to_the_process_that_claimed_it(settings, db, write_dag, parse):
    """The fork server died after the try was claimed: its process goes on and reports itself."""
    write_dag("one.py", ONE)
    parse()
    run = trigger_dag(db, "one", now=T0)
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor, clock=lambda: T0)
    scheduler.run_once()
    (workload,) = executor.queued
    with db.write() as session:
        assert task_instances.start_try(session, workload.ti_id, workload.try_number, "host", 4242, utcnow())

    scheduler.run_once(events=[ExecutorEvent(workload, None, "the fork server ended", requeue=True)])
    row = _row(db, run.run_id)
    assert (row.state, row.try_number) == ("running", 1)
    with db.write() as session:
        assert task_instances.finish_try(session, row.id, 1, "success", T0 + timedelta(seconds=1))
    scheduler.run_once()
    assert states(db, "one", run.run_id) == {"only": "success"}
