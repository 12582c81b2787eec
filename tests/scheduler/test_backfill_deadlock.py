"""DeadlockWatch: a backfill is deadlocked only when nothing of it, nor anything it waits on, can move."""

from __future__ import annotations

from datetime import UTC, datetime

from slipstream.dagfiles.manual_runs import load_serialized, task_specs
from slipstream.scheduler.backfill import apply_backfill, plan_backfill
from slipstream.scheduler.backfill_deadlock import DeadlockWatch
from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.states import DagRunType

PAST = """
from datetime import datetime
from slipstream import DAG, EmptyOperator, PythonOperator

with DAG("past", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, max_active_runs=3) as dag:
    PythonOperator(task_id="work", python_callable=lambda: 1, depends_on_past=True) >> EmptyOperator(task_id="after")
"""


def day(d: int) -> datetime:
    return datetime(2024, 1, d, tzinfo=UTC)


def rows_of(db, keys):
    with db.read() as session:
        return [dag_runs.get(session, dag_id, run_id) for dag_id, run_id in keys]


def test_waiting_on_a_run_outside_the_backfill_that_may_still_finish_is_no_deadlock(settings, db, write_dag, parse):
    write_dag("past.py", PAST)
    parse()
    dag = load_serialized(db, "past")
    now = utcnow()
    with db.write() as session:  # a scheduled run of the day before, that another scheduler runs
        outside = dag_runs.create(session, dag_id="past", run_id="scheduled__2024-01-01T00:00:00+00:00",
                                  run_type=DagRunType.SCHEDULED, tasks=task_specs(dag), now=now,
                                  logical_date=day(1), data_interval=(day(1), day(2)), state="running")
    plan = apply_backfill(db, plan_backfill(settings, db, "past", day(2), day(3)), now)
    keys = [("past", item.run_id) for item in plan.to_run]
    with db.write() as session:
        for dag_id, run_id in keys:
            run = dag_runs.get(session, dag_id, run_id)
            dag_runs.set_state(session, run.id, "queued", "running", start_date=now)
            for ti in task_instances.for_run(session, dag_id, run_id):
                task_instances.set_waiting_reason(session, ti.id, "depends_on_past: ..." if ti.task_id == "work" else None,
                                                  state="none")
    watch = DeadlockWatch(db, dag, keys, run_limit=3)
    assert watch.check(rows_of(db, keys), busy=False) is None
    assert watch.check(rows_of(db, keys), busy=False) is None, "the run it waits on may still finish"

    with db.write() as session:
        dag_runs.set_state(session, outside.id, "running", "failed", end_date=now)
    assert watch.check(rows_of(db, keys), busy=True) is None, "a process of the backfill is running"
    assert watch.check(rows_of(db, keys), busy=False) is None, "seen once"
    deadlock = watch.check(rows_of(db, keys), busy=False)
    assert deadlock is not None
    assert [(r.run_id, r.state, r.waits) for r in deadlock.runs] == [
        (keys[0][1], "running", [("work", "depends_on_past: ..."), ("after", "waits for its upstream task(s) work")]),
        (keys[1][1], "running", [("work", "depends_on_past: ..."), ("after", "waits for its upstream task(s) work")]),
    ]

    with db.write() as session:  # a task that can move again: no deadlock
        (work,) = [t for t in task_instances.for_run(session, *keys[0]) if t.task_id == "work"]
        task_instances.set_state(session, work.id, "none", "scheduled")
    assert watch.check(rows_of(db, keys), busy=False) is None
