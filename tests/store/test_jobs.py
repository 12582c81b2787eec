"""Scheduler jobs: registered, beating, ended; a dead one is taken over once."""

from __future__ import annotations

from datetime import timedelta

from slipstream.store import dag_runs, jobs, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI


def _queued(db, tasks=("a", "b"), job_id=None):
    specs = [dag_runs.TaskSpec(t, "PythonOperator", 0, "default_pool", 1, "default", 1) for t in tasks]
    with db.write() as session:
        dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=specs, now=utcnow())
        ids = [ti.id for ti in task_instances.for_run(session, "d", "r")]
        task_instances.move(session, ids, TI.NONE, TI.SCHEDULED)
        task_instances.queue_tries(session, ids, utcnow(), job_id)
    return ids


def test_a_job_beats_until_it_ends_or_is_taken_over(db):
    now = utcnow()
    with db.write() as session:
        first = jobs.register(session, "host", 10, now)
        second = jobs.register(session, "host", 11, now)
    with db.write() as session:
        assert jobs.heartbeat(session, first, now + timedelta(seconds=5))
        assert jobs.end(session, first, jobs.SUCCESS, now + timedelta(seconds=6))
        assert not jobs.heartbeat(session, first, now + timedelta(seconds=7)), "an ended job beats no more"
        assert jobs.take_over(session, second, jobs.FAILED, now)
        assert not jobs.take_over(session, second, jobs.FAILED, now), "only one scheduler takes a dead job over"
    with db.read() as session:
        row = jobs.get(session, first)
        assert (row.state, row.job_type, row.latest_heartbeat, row.end_date) == (
            "success", "SchedulerJob", now + timedelta(seconds=5), now + timedelta(seconds=6)
        )
        assert jobs.get(session, second).state == "failed"
        assert jobs.running(session) == []


def test_tries_remember_the_job_that_dispatched_them_and_change_hands(db):
    now = utcnow()
    with db.write() as session:
        dead = jobs.register(session, "host", 10, now)
        alive = jobs.register(session, "host", 11, now)
    a, b = _queued(db, job_id=dead)
    with db.write() as session:
        task_instances.start_try(session, a, 1, "host", 99, now)
    with db.read() as session:
        assert {r.id for r in jobs.active_tries(session, dead)} == {a, b}
        assert jobs.active_tries(session, alive) == []
        assert jobs.active_tries(session, None) == [], "their job is running"
    with db.write() as session:
        assert jobs.adopt(session, [(a, 1), (b, 1)], alive) == 1, "only a running try is adopted"
        assert task_instances.unqueue(session, b, 1)
        assert not task_instances.unqueue(session, b, 1)
    with db.read() as session:
        assert [r.id for r in jobs.running_tries(session, alive)] == [a]
        row = task_instances.get(session, b)
        assert (row.state, row.try_number, row.queued_by_job_id) == ("scheduled", 0, None)


def test_tries_of_no_running_job_are_found_at_start(db):
    now = utcnow()
    with db.write() as session:
        ended = jobs.register(session, "host", 10, now)
        jobs.end(session, ended, jobs.SUCCESS, now)
    (without,) = _queued(db, tasks=("a",))
    with db.write() as session:
        specs = [dag_runs.TaskSpec("b", "PythonOperator", 0, "default_pool", 1, "default", 1)]
        dag_runs.create(session, dag_id="d2", run_id="r", run_type="manual", tasks=specs, now=now)
        (of_ended,) = [ti.id for ti in task_instances.for_run(session, "d2", "r")]
        task_instances.move(session, [of_ended], TI.NONE, TI.SCHEDULED)
        task_instances.queue_tries(session, [of_ended], now, ended)
    with db.read() as session:
        assert {r.id for r in jobs.active_tries(session, None)} == {without, of_ended}
