"""A try the scheduler fails (no heartbeat, a timeout it overran) asks for its task's callbacks and
mail, when the task has them, as a request the executor runs in a process of its own."""

from __future__ import annotations

from datetime import timedelta

from scheduler_helpers import RecordingExecutor

from slipstream.executors.base import TaskCallbackRequest
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances
from slipstream.store.clock import utcnow

TASKS = """
from datetime import datetime, timedelta
from slipstream import DAG, PythonOperator

def note(context):
    pass

with DAG("failing", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="retry_callback", python_callable=print, retries=1, on_retry_callback=note)
    PythonOperator(task_id="failure_mail", python_callable=print, email="ops@example.org", email_on_failure=True,
                   execution_timeout=timedelta(seconds=10))
    PythonOperator(task_id="mail_without_address", python_callable=print, email_on_failure=True)
    PythonOperator(task_id="plain", python_callable=print)
"""


def test_zombies_and_timeout_kills_ask_for_the_callbacks_their_tasks_have(settings, db, write_dag, parse):
    write_dag("failing.py", TASKS)
    parse()
    run = trigger_dag(db, "failing")
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    scheduler.run_once()
    started = utcnow()
    with db.write() as session:
        for workload in executor.queued:
            task_instances.start_try(session, workload.ti_id, workload.try_number, "worker-7", 4242, started)
            if workload.task_id == "failure_mail":  # its heartbeat goes on: it is the timeout that fails it
                task_instances.heartbeat(session, workload.ti_id, workload.try_number,
                                         started + timedelta(seconds=settings.task_heartbeat_timeout + 4))
    later = started + timedelta(seconds=settings.task_heartbeat_timeout + 5)
    result = scheduler.run_once(now=later)
    requests = sorted((c for c in result.callbacks if isinstance(c, TaskCallbackRequest)), key=lambda c: c.task_id)
    assert [(r.task_id, r.state, r.try_number, r.hostname) for r in requests] == [
        ("failure_mail", "failed", 1, "worker-7"),
        ("retry_callback", "up_for_retry", 1, "worker-7"),
    ]
    assert requests[0].reason.startswith("execution_timeout of 10 s exceeded")
    assert requests[1].reason.startswith("No heartbeat for")
    assert all(r.run_id == run.run_id and r.fileloc.endswith("failing.py") for r in requests)
