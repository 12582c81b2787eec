"""The scheduler stepped pass by pass with an injected clock (no sleeping)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scheduler_helpers import RecordingExecutor, run_state, states

from slipstream.executors.base import ExecutorEvent
from slipstream.executors.inline import InlineExecutor
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances
from slipstream.store.clock import utcnow

T0 = datetime(2024, 1, 1, tzinfo=UTC)








CHAIN = """
from datetime import datetime, timedelta
from slipstream import DAG, PythonOperator, EmptyOperator

def ok():
    return "done"

with DAG("chain", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    start = EmptyOperator(task_id="start")
    first = PythonOperator(task_id="first", python_callable=ok)
    second = PythonOperator(task_id="second", python_callable=ok)
    end = EmptyOperator(task_id="end")
    start >> first >> second >> end
"""


def test_inline_run_goes_through_every_state_in_order(settings, db, write_dag, parse):
    write_dag("chain.py", CHAIN)
    parse()
    run = trigger_dag(db, "chain", now=T0)
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: T0)
    assert run_state(db, "chain", run.run_id) == "queued"

    result = scheduler.run_once()
    # The empty start task is finished by the scheduler; 'first' is dispatched and run inline.
    assert [w.task_id for w in result.dispatched] == ["first"]
    assert states(db, "chain", run.run_id) == {"start": "success", "first": "success", "second": "none", "end": "none"}

    events = [scheduler.executor.events.get_nowait()]
    result = scheduler.run_once(events=events)
    assert [w.task_id for w in result.dispatched] == ["second"]
    result = scheduler.run_once(events=[scheduler.executor.events.get_nowait()])
    assert states(db, "chain", run.run_id) == dict.fromkeys(["start", "first", "second", "end"], "success")
    assert run_state(db, "chain", run.run_id) == "success"
    with db.read() as session:
        start = task_instances.find(session, task_instances.TaskInstanceKey("chain", run.run_id, "start"))
    assert start.hostname is None and start.pid is None and start.try_number == 0


RETRY = """
from datetime import datetime, timedelta
from slipstream import DAG, PythonOperator

def boom():
    raise RuntimeError("always fails")

with DAG("retrying", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    fails = PythonOperator(task_id="fails", python_callable=boom, retries=2, retry_delay=timedelta(minutes=5))
    after = PythonOperator(task_id="after", python_callable=lambda: None)
    fails >> after
"""


def test_retry_waits_for_retry_delay_then_fails_for_good(settings, db, write_dag, parse):
    write_dag("retrying.py", RETRY)
    parse()
    run = trigger_dag(db, "retrying")
    clock = {"now": utcnow()}
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: clock["now"])

    scheduler.run_once()
    assert states(db, "retrying", run.run_id)["fails"] == "up_for_retry"
    with db.read() as session:
        row = task_instances.find(session, task_instances.TaskInstanceKey("retrying", run.run_id, "fails"))
    assert row.try_number == 1 and row.next_try_at is not None
    assert "RuntimeError: always fails" in row.state_reason

    clock["now"] = row.next_try_at - timedelta(seconds=1)
    result = scheduler.run_once()
    assert result.dispatched == [] and result.next_wake == row.next_try_at

    clock["now"] = row.next_try_at + timedelta(seconds=1)
    scheduler.run_once()
    assert states(db, "retrying", run.run_id)["fails"] == "up_for_retry"
    clock["now"] += timedelta(minutes=10)
    scheduler.run_once()  # the third try runs (inline, during dispatch) and fails for good
    scheduler.run_once()  # the next pass sees it and decides the downstream task
    final = states(db, "retrying", run.run_id)
    assert final == {"fails": "failed", "after": "upstream_failed"}
    assert run_state(db, "retrying", run.run_id) == "failed"
    with db.read() as session:
        row = task_instances.find(session, task_instances.TaskInstanceKey("retrying", run.run_id, "fails"))
    assert row.try_number == 3


FANOUT = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("fan", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=3) as dag:
    for i in range(10):
        PythonOperator(task_id=f"t{i}", python_callable=lambda: None, priority_weight=i)
"""


def test_dispatch_respects_max_active_tasks_and_parallelism_by_priority(settings, db, write_dag, parse):
    write_dag("fan.py", FANOUT)
    parse()
    run = trigger_dag(db, "fan")
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    scheduler.run_once()
    assert [w.task_id for w in executor.queued] == ["t9", "t8", "t7"]
    scheduler.run_once()
    assert len(executor.queued) == 3, "no more slots while three are queued"

    narrow = Scheduler(settings.replace(parallelism=2), db, executor)
    run2 = trigger_dag(db, "fan", run_id="second")
    narrow.run_once()
    assert len(executor.queued) == 3, "parallelism counts task instances of every run"
    assert set(states(db, "fan", run2.run_id).values()) == {"scheduled"}
    assert run.run_id != run2.run_id


def test_process_that_dies_without_reporting_is_failed_or_retried(settings, db, write_dag, parse):
    write_dag("retrying.py", RETRY)
    parse()
    trigger_dag(db, "retrying")
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    scheduler.run_once()
    (workload,) = executor.queued
    with db.write() as session:
        assert task_instances.start_try(session, workload.ti_id, workload.try_number, "host", 4242, utcnow())
    scheduler.run_once(events=[ExecutorEvent(workload, -9, "killed by signal SIGKILL")])
    with db.read() as session:
        row = task_instances.get(session, workload.ti_id)
    assert row.state == "up_for_retry"
    assert "SIGKILL" in row.state_reason and "without reporting" in row.state_reason

    # A late success report from the dead try is refused by the compare-and-set.
    with db.write() as session:
        assert not task_instances.finish_try(session, workload.ti_id, workload.try_number, "success", utcnow())


def test_running_task_without_heartbeat_is_a_zombie(settings, db, write_dag, parse):
    write_dag("retrying.py", RETRY)
    parse()
    trigger_dag(db, "retrying")
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    scheduler.run_once()
    (workload,) = executor.queued
    started = utcnow()
    with db.write() as session:
        task_instances.start_try(session, workload.ti_id, workload.try_number, "host", 4242, started)
    later = started + timedelta(seconds=settings.task_heartbeat_timeout + 5)
    scheduler.run_once(now=later)
    with db.read() as session:
        row = task_instances.get(session, workload.ti_id)
    assert row.state == "up_for_retry"
    assert "No heartbeat" in row.state_reason


def test_queued_task_instances_of_a_dead_scheduler_go_back_to_scheduled(settings, db, write_dag, parse):
    write_dag("fan.py", FANOUT)
    parse()
    run = trigger_dag(db, "fan")
    Scheduler(settings, db, RecordingExecutor()).run_once()
    assert sorted(states(db, "fan", run.run_id).values()).count("queued") == 3
    fresh = Scheduler(settings, db, RecordingExecutor())
    assert fresh.reset_orphans() == 3
    with db.read() as session:
        rows = task_instances.for_run(session, "fan", run.run_id)
    assert {r.state for r in rows} == {"scheduled"}
    assert {r.try_number for r in rows} == {0}


def test_paused_dag_runs_are_not_started(settings, db, write_dag, parse):
    from slipstream.store import dags as dag_store

    write_dag("chain.py", CHAIN)
    parse()
    with db.write() as session:
        dag_store.set_paused(session, "chain", True)
    run = trigger_dag(db, "chain")
    scheduler = Scheduler(settings, db, RecordingExecutor())
    scheduler.run_once()
    assert run_state(db, "chain", run.run_id) == "queued"
    with db.write() as session:
        dag_store.set_paused(session, "chain", False)
    scheduler.run_once()
    assert run_state(db, "chain", run.run_id) == "running"


MAX_RUNS = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("one_at_a_time", start_date=datetime(2024, 1, 1), schedule=None, max_active_runs=1) as dag:
    PythonOperator(task_id="t", python_callable=lambda: None)
"""


@pytest.mark.parametrize("runs", [3])
def test_max_active_runs_holds_further_runs_in_queued(settings, db, write_dag, parse, runs):
    write_dag("one.py", MAX_RUNS)
    parse()
    ids = [trigger_dag(db, "one_at_a_time", run_id=f"r{i}").run_id for i in range(runs)]
    scheduler = Scheduler(settings, db, RecordingExecutor())
    scheduler.run_once()
    assert [run_state(db, "one_at_a_time", r) for r in ids] == ["running", "queued", "queued"]


SENSOR_LIKE = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("poker", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="poke", python_callable=lambda: None)
"""


def test_the_exit_of_an_earlier_dispatch_of_the_same_try_is_ignored(settings, db, write_dag, parse):
    """A sensor's rescheduled try is dispatched again under the same try number; if the exit of
    the previous poke's process is reported only after that, it must not fail the new dispatch."""
    write_dag("poker.py", SENSOR_LIKE)
    parse()
    run = trigger_dag(db, "poker", now=T0)
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor, clock=lambda: T0)
    [first] = scheduler.run_once(now=T0).dispatched
    with db.write() as session:  # the poke ran and asked to be rescheduled
        assert task_instances.finish_try(
            session, first.ti_id, first.try_number, "up_for_reschedule", T0, expected=("queued",),
            next_try_at=T0 + timedelta(seconds=1),
        )
        assert task_instances.hand_back_try_number(session, first.ti_id, first.try_number)
    executor.queued.clear()
    later = T0 + timedelta(seconds=2)
    [second] = scheduler.run_once(now=later).dispatched  # up_for_reschedule -> scheduled -> queued
    assert (second.ti_id, second.try_number) == (first.ti_id, first.try_number)
    assert second.queued_at > first.queued_at
    scheduler.run_once(now=later, events=[ExecutorEvent(first, 0, "exit code 0")])
    assert states(db, "poker", run.run_id) == {"poke": "queued"}
    scheduler.run_once(now=later, events=[ExecutorEvent(second, -9, "killed by signal SIGKILL")])
    assert states(db, "poker", run.run_id) == {"poke": "failed"}
