"""Pools, priority and per-task limits, probed with real task processes that record their times."""

from __future__ import annotations

import threading
import time

from slipstream.executors.local import LocalExecutor
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs, pools, task_instances


def max_overlap(rows) -> int:
    events = sorted([(r.start_date, 1) for r in rows] + [(r.end_date, -1) for r in rows])
    current = peak = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


POOLED = """
from datetime import datetime
import time
from slipstream import DAG, PythonOperator

with DAG("pooled", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=16) as dag:
    for i in range(6):
        PythonOperator(
            task_id=f"p{i}", python_callable=lambda: time.sleep(0.4), pool="two", priority_weight=i,
            weight_rule="absolute",
        )
    PythonOperator(task_id="big", python_callable=lambda: time.sleep(0.4), pool="two", pool_slots=2,
                   priority_weight=-1, weight_rule="absolute")
"""


def test_a_pool_never_holds_more_than_its_slots_and_slots_go_by_priority(settings, db, write_dag, parse):
    with db.write() as session:
        pools.set_pool(session, "two", 2, "two at a time")
    write_dag("pooled.py", POOLED)
    parse()
    run = run_dag_to_end(settings, db, "pooled", timeout=60)
    assert run.state == "success"
    with db.read() as session:
        rows = task_instances.for_run(session, "pooled", run.run_id)
    small = [r for r in rows if r.task_id != "big"]
    assert max_overlap(rows) <= 2
    big = next(r for r in rows if r.task_id == "big")
    assert all(r.end_date <= big.start_date or r.start_date >= big.end_date for r in small), "big needs both slots"
    first_two = sorted(small, key=lambda r: r.start_date)[:2]
    assert {r.task_id for r in first_two} == {"p5", "p4"}, "the highest priorities start first"


ONE_AT_A_TIME = """
from datetime import datetime
import time
from slipstream import DAG, PythonOperator

with DAG("limited", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: time.sleep(0.3), max_active_tis_per_dag=1)
"""


def test_max_active_tis_per_dag_holds_across_runs(settings, db, write_dag, parse):
    write_dag("limited.py", ONE_AT_A_TIME)
    parse()
    ids = [trigger_dag(db, "limited", run_id=f"r{i}").run_id for i in range(3)]
    executor = LocalExecutor(settings)

    def done() -> bool:
        with db.read() as session:
            return all(dag_runs.get(session, "limited", r).state == "success" for r in ids)

    stop = threading.Event()
    threading.Timer(60, stop.set).start()
    Scheduler(settings, db, executor).run(stop=stop, until=done)
    stop.set()
    executor.end(10)
    with db.read() as session:
        rows = [task_instances.for_run(session, "limited", r)[0] for r in ids]
    assert max_overlap(rows) == 1


MISSING = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("needs_pool", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    PythonOperator(task_id="t", python_callable=lambda: None, pool="not_yet")
"""


def test_a_task_in_a_missing_pool_waits_and_says_why(settings, db, write_dag, parse):
    write_dag("needs_pool.py", MISSING)
    parse()
    run = trigger_dag(db, "needs_pool")
    executor = LocalExecutor(settings)
    scheduler = Scheduler(settings, db, executor)
    scheduler.run_once()
    scheduler.run_once()
    with db.read() as session:
        (row,) = task_instances.for_run(session, "needs_pool", run.run_id)
    assert row.state == "scheduled"
    assert "Pool 'not_yet' does not exist" in row.state_reason
    assert "slipstream pools set not_yet" in row.state_reason
    with db.write() as session:
        pools.set_pool(session, "not_yet", 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        events = scheduler._wait_for_events(0.2)
        scheduler.run_once(events=events)
        with db.read() as session:
            if dag_runs.get(session, "needs_pool", run.run_id).state == "success":
                break
    executor.end(10)
    with db.read() as session:
        assert dag_runs.get(session, "needs_pool", run.run_id).state == "success"


WIDE = """
from datetime import datetime
import time
from slipstream import DAG, PythonOperator

with DAG("wide", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=3) as dag:
    for i in range(8):
        PythonOperator(task_id=f"w{i}", python_callable=lambda: time.sleep(0.3))
"""


def test_max_active_tasks_and_parallelism_are_never_exceeded(settings, db, write_dag, parse):
    write_dag("wide.py", WIDE)
    parse()
    run = run_dag_to_end(settings, db, "wide", timeout=60)
    with db.read() as session:
        rows = task_instances.for_run(session, "wide", run.run_id)
    assert run.state == "success" and 2 <= max_overlap(rows) <= 3

    narrow = settings.replace(parallelism=2)
    run = run_dag_to_end(narrow, db, "wide", timeout=60)
    with db.read() as session:
        rows = task_instances.for_run(session, "wide", run.run_id)
    assert run.state == "success" and max_overlap(rows) <= 2
