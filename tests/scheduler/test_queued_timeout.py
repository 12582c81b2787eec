"""A try that stays queued past [scheduler] task_queued_timeout (no worker takes its queue, or
its message was lost) is failed, or retried if it has retries left, saying which queue."""

from __future__ import annotations

from datetime import timedelta

from scheduler_helpers import RecordingExecutor

from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances
from slipstream.store.clock import utcnow

TWO = """
from datetime import datetime, timedelta
from slipstream import DAG, PythonOperator

with DAG("two", start_date=datetime(2024, 1, 1), schedule=None):
    PythonOperator(task_id="once", python_callable=print, queue="nobody_listens")
    PythonOperator(task_id="twice", python_callable=print, retries=1, retry_delay=timedelta(seconds=30))
"""


def test_a_try_queued_too_long_is_failed_or_retried(settings, db, write_dag, parse):
    settings = settings.replace(task_queued_timeout=60.0)
    write_dag("two.py", TWO)
    parse()
    run = trigger_dag(db, "two")
    now = utcnow()
    scheduler = Scheduler(settings, db, RecordingExecutor(), clock=lambda: now)
    scheduler.run_once(now)
    assert {w.task_id: w.queue for w in scheduler.executor.queued} == {"once": "nobody_listens", "twice": "default"}

    scheduler.run_once(now + timedelta(seconds=59))  # not yet
    later = now + timedelta(seconds=61)
    scheduler.run_once(later)
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "two", run.run_id)}
    assert (rows["once"].state, rows["twice"].state) == ("failed", "up_for_retry")
    assert rows["once"].state_reason == (
        "Queued for more than 60 s ([scheduler] task_queued_timeout) without starting: no worker took it from "
        "queue 'nobody_listens'"
    )


def test_a_try_that_started_in_time_is_left_alone(settings, db, write_dag, parse):
    settings = settings.replace(task_queued_timeout=60.0)
    write_dag("two.py", TWO)
    parse()
    run = trigger_dag(db, "two")
    now = utcnow()
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor, clock=lambda: now)
    scheduler.run_once(now)
    with db.write() as session:
        for workload in executor.queued:
            task_instances.start_try(session, workload.ti_id, workload.try_number, "here", 1, now)
    scheduler.run_once(now + timedelta(seconds=61))
    with db.read() as session:
        assert {r.state for r in task_instances.for_run(session, "two", run.run_id)} == {"running"}
