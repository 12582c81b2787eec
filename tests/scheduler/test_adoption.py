"""A scheduler adopts the tries of dead schedulers and watches its own by pid: stepped passes
with an injected clock, real processes where a pid matters."""

from __future__ import annotations

import os
import subprocess
from datetime import timedelta

import pytest
from scheduler_helpers import RecordingExecutor

from slipstream.dagfiles.processor import DagFileProcessor
from slipstream.executors.base import ExecutorEvent
from slipstream.scheduler.liveness import HOSTNAME, same_process
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import jobs, migrate, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

FOUR = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("four", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    for name in ("queued", "alive", "gone", "elsewhere"):
        PythonOperator(task_id=name, python_callable=lambda: None, retries=0)
"""


@pytest.fixture
def sleeper():
    process = subprocess.Popen(["sleep", "60"])
    yield process
    process.kill()
    process.wait()


def _gone_pid() -> int:
    process = subprocess.Popen(["true"])
    process.wait()
    return process.pid


def _dispatched(settings, db, write_dag, parse):
    """The four tasks queued by a scheduler that then 'died' (a job whose process is gone)."""
    write_dag("four.py", FOUR)
    parse()
    run = trigger_dag(db, "four")
    old = Scheduler(settings, db, RecordingExecutor())
    old.run_once()
    with db.write() as session:
        dead = jobs.register(session, HOSTNAME, _gone_pid(), utcnow())
        session.execute(task_instances.TABLE.update().values(queued_by_job_id=dead))
        ids = {ti.task_id: ti.id for ti in task_instances.for_run(session, "four", run.run_id)}
    return run, dead, ids


def _rows(db, run_id):
    with db.read() as session:
        return {ti.task_id: ti for ti in task_instances.for_run(session, "four", run_id)}


def test_a_new_scheduler_adopts_the_tries_of_one_whose_process_is_gone(settings, db, write_dag, parse, sleeper):
    run, dead, ids = _dispatched(settings, db, write_dag, parse)
    now = utcnow()
    with db.write() as session:
        task_instances.start_try(session, ids["alive"], 1, HOSTNAME, sleeper.pid, now)
        task_instances.start_try(session, ids["gone"], 1, HOSTNAME, _gone_pid(), now)
        task_instances.start_try(session, ids["elsewhere"], 1, "another-host", 1234, now)
    fresh = Scheduler(settings, db, RecordingExecutor())
    assert fresh.reset_orphans() == 4
    rows = _rows(db, run.run_id)
    assert (rows["queued"].state, rows["queued"].try_number) == ("scheduled", 0), "its try number handed back"
    assert rows["alive"].state == "running" and rows["alive"].queued_by_job_id == fresh.job.id
    assert rows["elsewhere"].state == "running" and rows["elsewhere"].queued_by_job_id == fresh.job.id
    assert rows["gone"].state == "failed"
    assert "ended without reporting a result" in rows["gone"].state_reason
    assert f"its scheduler (job {dead}) died" in rows["gone"].state_reason
    with db.read() as session:
        assert jobs.get(session, dead).state == "failed"
        assert jobs.get(session, fresh.job.id).state == "running"
    # The queued one is dispatched again, as the same try.
    (workload,) = fresh.run_once().dispatched
    assert (workload.task_id, workload.try_number) == ("queued", 1)
    assert _rows(db, run.run_id)["queued"].queued_by_job_id == fresh.job.id


def test_an_adopted_try_is_kept_alive_while_its_process_lives_and_failed_once_it_is_gone(
    settings, db, write_dag, parse, sleeper
):
    run, _, ids = _dispatched(settings, db, write_dag, parse)
    now = utcnow()
    with db.write() as session:
        task_instances.start_try(session, ids["alive"], 1, HOSTNAME, sleeper.pid, now)
    fresh = Scheduler(settings, db, RecordingExecutor(), clock=lambda: now)
    fresh.reset_orphans()
    later = now + timedelta(seconds=10 * settings.task_heartbeat_sec)
    fresh.run_once(now=later)
    row = _rows(db, run.run_id)["alive"]
    assert (row.state, row.last_heartbeat_at) == ("running", later), "its heartbeat is kept for it"
    sleeper.kill()
    sleeper.wait()
    fresh.run_once(now=later + timedelta(seconds=5))
    assert _rows(db, run.run_id)["alive"].state == "running", "seen gone once: its exit may be on its way"
    fresh.run_once(now=later + timedelta(seconds=10))
    row = _rows(db, run.run_id)["alive"]
    assert row.state == "failed" and f"pid {sleeper.pid}" in row.state_reason


def test_a_live_scheduler_is_left_alone_until_its_heartbeat_is_too_old(settings, postgres_url, write_dag, sleeper):
    """Two schedulers on one PostgreSQL store (SQLite takes one: tests/cli/test_scheduler_refusals.py)."""
    settings = settings.replace(sql_alchemy_conn=postgres_url)
    db = Database(postgres_url)
    migrate.migrate(db)
    write_dag("four.py", FOUR)
    processor = DagFileProcessor(settings, db)
    processor.process()
    processor.close()
    run = trigger_dag(db, "four")
    now = utcnow()
    other = Scheduler(settings, db, RecordingExecutor(), clock=lambda: now)
    other.reset_orphans()
    other.run_once(now=now)
    with db.write() as session:  # the other scheduler now runs on another host
        session.execute(jobs.TABLE.update().where(jobs.TABLE.c.id == other.job.id).values(hostname="another-host"))
    fresh = Scheduler(settings, db, RecordingExecutor(), clock=lambda: now)
    assert fresh.reset_orphans() == 0
    threshold = timedelta(seconds=settings.scheduler_health_check_threshold)
    fresh.run_once(now=now + threshold - timedelta(seconds=1))
    assert {r.state for r in _rows(db, run.run_id).values()} == {"queued"}
    result = fresh.run_once(now=now + threshold + timedelta(seconds=3))
    assert {r.state for r in _rows(db, run.run_id).values()} == {"queued"}
    assert len(result.dispatched) == 4, "put back to scheduled and dispatched again in the same pass"
    assert {r.queued_by_job_id for r in _rows(db, run.run_id).values()} == {fresh.job.id}
    # The scheduler taken for dead learns it at its next heartbeat, and registers again.
    old_id = other.job.id
    other.run_once(now=now + threshold + timedelta(seconds=10))
    assert other.job.id != old_id
    db.dispose()


def test_a_reused_pid_is_not_the_scheduler_that_died(settings, db):
    long_ago = utcnow() - timedelta(days=3650)
    assert same_process(os.getpid(), utcnow())
    assert not same_process(os.getpid(), long_ago), "this process started after the row was written"
    with db.write() as session:
        job_id = jobs.register(session, HOSTNAME, os.getpid(), long_ago)
        session.execute(jobs.TABLE.update().values(latest_heartbeat=utcnow()))
    fresh = Scheduler(settings, db, RecordingExecutor())
    fresh.reset_orphans()
    with db.read() as session:
        assert jobs.get(session, job_id).state == "failed"


def test_own_running_tries_the_executor_no_longer_tracks_are_checked_by_pid(settings, db, write_dag, parse):
    write_dag("four.py", FOUR)
    parse()
    run = trigger_dag(db, "four")
    now = utcnow()
    scheduler = Scheduler(settings, db, RecordingExecutor(), clock=lambda: now)
    scheduler.reset_orphans()
    workloads = {w.task_id: w for w in scheduler.run_once(now=now).dispatched}
    with db.write() as session:
        task_instances.start_try(session, workloads["gone"].ti_id, 1, HOSTNAME, _gone_pid(), now)
    for step in (5, 10):
        scheduler.run_once(now=now + timedelta(seconds=step))
    row = _rows(db, run.run_id)["gone"]
    assert row.state == "failed" and "is gone" in row.state_reason
    assert row.end_date == now + timedelta(seconds=10), "not after the 300 s task heartbeat timeout"


def test_an_exit_of_a_process_that_lost_the_claim_to_a_live_one_fails_nothing(settings, db, write_dag, parse, sleeper):
    """A process of a dead scheduler claimed the try; the one this scheduler started for the same
    try found it taken and ended: its exit must not fail the try the live process runs."""
    write_dag("four.py", FOUR)
    parse()
    run = trigger_dag(db, "four")
    scheduler = Scheduler(settings, db, RecordingExecutor())
    workloads = {w.task_id: w for w in scheduler.run_once().dispatched}
    alive = workloads["alive"]
    with db.write() as session:
        task_instances.start_try(session, alive.ti_id, alive.try_number, HOSTNAME, sleeper.pid, utcnow())
    scheduler.run_once(events=[ExecutorEvent(alive, 0, "exit code 0")])
    assert _rows(db, run.run_id)["alive"].state == "running"


def test_a_clean_stop_ends_the_job_with_success(settings, db):
    scheduler = Scheduler(settings, db, RecordingExecutor())
    scheduler.run(until=lambda: True)
    with db.read() as session:
        (job,) = [jobs.get(session, row.id) for row in session.execute(jobs.TABLE.select())]
    assert (job.state, job.pid, job.hostname) == ("success", os.getpid(), HOSTNAME)
    assert job.end_date is not None


def test_a_tracked_try_whose_process_is_gone_and_heartbeat_stale_is_failed(settings, db, write_dag, parse):
    """Its exit report was lost (e.g. with the fork server that started it): it does not wait for
    the 300 s task heartbeat timeout either."""

    class Tracking(RecordingExecutor):
        def tracked(self) -> set[int]:
            return {w.ti_id for w in self.queued}

    write_dag("four.py", FOUR)
    parse()
    run = trigger_dag(db, "four")
    now = utcnow()
    scheduler = Scheduler(settings, db, Tracking(), clock=lambda: now)
    scheduler.reset_orphans()
    workloads = {w.task_id: w for w in scheduler.run_once(now=now).dispatched}
    with db.write() as session:
        task_instances.start_try(session, workloads["gone"].ti_id, 1, HOSTNAME, _gone_pid(), now)
    scheduler.run_once(now=now + timedelta(seconds=2))
    assert _rows(db, run.run_id)["gone"].state == "running", "its heartbeat is fresh: the executor reports it"
    stale = now + timedelta(seconds=3 * settings.task_heartbeat_sec + 1)
    for step in (0, 5):
        scheduler.run_once(now=stale + timedelta(seconds=step))
    assert _rows(db, run.run_id)["gone"].state == "failed"
