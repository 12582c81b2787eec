"""Planning over several passes: a leaf that failed early still fails the run; a task dropped from the file is removed."""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler_helpers import RecordingExecutor, run_state, states

from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances

T0 = datetime(2024, 1, 1, tzinfo=UTC)

BRANCHES = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("branches", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    quick = PythonOperator(task_id="quick", python_callable=lambda: None)
    slow = PythonOperator(task_id="slow", python_callable=lambda: None)
    after = PythonOperator(task_id="after", python_callable=lambda: None)
    slow >> after
"""


def _finish(db, executor, task_id, state, now=T0):
    [workload] = [w for w in executor.queued if w.task_id == task_id]
    executor.queued.remove(workload)
    with db.write() as session:
        assert task_instances.finish_try(session, workload.ti_id, workload.try_number, state, now, expected=("queued",))


def _started(settings, db, write_dag, parse):
    """The branches DAG parsed, a run triggered, and a first pass made (its roots queued)."""
    write_dag("branches.py", BRANCHES)
    parse()
    run = trigger_dag(db, "branches", now=T0)
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor, clock=lambda: T0)
    scheduler.run_once()
    return run, executor, scheduler


def test_a_leaf_that_failed_passes_ago_still_fails_the_run(settings, db, write_dag, parse):
    run, executor, scheduler = _started(settings, db, write_dag, parse)
    _finish(db, executor, "quick", "failed")
    scheduler.run_once()
    _finish(db, executor, "slow", "success")
    scheduler.run_once()
    assert states(db, "branches", run.run_id)["after"] == "queued"
    _finish(db, executor, "after", "success")
    scheduler.run_once()
    assert run_state(db, "branches", run.run_id) == "failed", "the leaf 'quick' failed"


def test_a_task_dropped_from_the_file_mid_run_is_removed_and_the_run_ends(settings, db, write_dag, parse):
    run, executor, scheduler = _started(settings, db, write_dag, parse)
    _finish(db, executor, "quick", "success")
    scheduler.run_once()
    write_dag("branches.py", BRANCHES.replace("    slow >> after\n", "").replace(
        '    after = PythonOperator(task_id="after", python_callable=lambda: None)\n', ""
    ))
    parse()
    scheduler.run_once()
    assert states(db, "branches", run.run_id) == {"quick": "success", "slow": "queued", "after": "removed"}
    _finish(db, executor, "slow", "success")
    scheduler.run_once()
    assert run_state(db, "branches", run.run_id) == "success"
