"""A try that ends up_for_reschedule: recorded, its number handed back so the next dispatch runs
the same try (claimed again, same log row), summarised for the sensor, forgotten by clearing."""

from __future__ import annotations

from datetime import timedelta

from slipstream.runner.direct_store import DirectTryStore
from slipstream.store import clearing, dag_runs, migrate, task_instances, task_logs, task_reschedules
from slipstream.store.clock import utcnow
from slipstream.store.db import Database
from slipstream.store.states import TaskInstanceState as TI
from slipstream.store.task_reschedules_summary import Reschedules

KEY = ("d", "r", "wait", -1)


def make_sensor_run(db, max_tries=0):
    specs = [dag_runs.TaskSpec("wait", "FileSensor", max_tries, "default_pool", 1, "default", 1)]
    with db.write() as session:
        run = dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=specs, now=utcnow())
        (ti,) = task_instances.for_run(session, "d", "r")
        task_instances.set_state(session, ti.id, TI.NONE, TI.SCHEDULED)
    return run, ti.id


def dispatch_and_claim(db, store, ti_id):
    with db.write() as session:
        (try_number,) = task_instances.queue_tries(session, [ti_id], utcnow()).values()
    claim = store.claim(
        ti_id=ti_id, try_number=try_number, hostname="h", pid=1, now=utcnow(), key=KEY, log_path=f"/logs/{try_number}.log"
    )
    assert claim is not None
    return try_number, claim


def reschedule(store, ti_id, try_number, run_id, started_at, wait=0.5):
    return store.finish(
        ti_id=ti_id, try_number=try_number, dag_run_id=run_id, key=KEY, state=TI.UP_FOR_RESCHEDULE.value,
        xcom_values=(), next_try_at=utcnow() + timedelta(seconds=wait), reason="sensor rescheduled",
        started_at=started_at,
    )


def test_a_rescheduled_try_runs_again_under_the_same_number(db):
    rescheduled_twice_under_one_try(db)


def test_the_same_on_postgresql(postgres_url):
    database = Database(postgres_url)
    try:
        migrate.migrate(database)
        rescheduled_twice_under_one_try(database)
    finally:
        database.dispose()


def rescheduled_twice_under_one_try(db):
    run, ti_id = make_sensor_run(db)
    store = DirectTryStore(db)
    first_start = utcnow()
    try_number, _ = dispatch_and_claim(db, store, ti_id)
    assert try_number == 1
    assert reschedule(store, ti_id, 1, run.id, first_start)
    with db.read() as session:
        row = task_instances.get(session, ti_id)
    assert row.state == "up_for_reschedule"
    assert row.next_try_at is not None

    with db.write() as session:
        task_instances.set_state(session, ti_id, TI.UP_FOR_RESCHEDULE, TI.SCHEDULED)
    second_start = utcnow()
    try_number, _ = dispatch_and_claim(db, store, ti_id)
    assert try_number == 1, "a reschedule uses up no try"
    assert reschedule(store, ti_id, 1, run.id, second_start)

    summary = store.reschedules(key=KEY, first_try_number=1, try_number=1)
    assert summary.first_start == first_start
    assert summary.count == 2
    assert store.reschedules(key=KEY, first_try_number=2, try_number=2) == Reschedules(None, 0)
    with db.read() as session:
        assert [entry.try_number for entry in task_logs.for_task(session, "d", "r", "wait")] == [1]
        rows = task_reschedules.for_task_instance(session, "d", "r", "wait")
    assert [r.try_number for r in rows] == [1, 1]
    assert all(r.reschedule_date > r.end_date >= r.start_date for r in rows)


def test_a_late_reschedule_of_a_lost_try_records_nothing(db):
    run, ti_id = make_sensor_run(db)
    store = DirectTryStore(db)
    dispatch_and_claim(db, store, ti_id)
    with db.write() as session:
        task_instances.mark(session, ti_id, TI.RUNNING, TI.FAILED, utcnow())
    assert not reschedule(store, ti_id, 1, run.id, utcnow())
    with db.read() as session:
        assert task_reschedules.for_task_instance(session, "d", "r", "wait") == []
        assert task_instances.get(session, ti_id).try_number == 1


def test_clearing_forgets_the_reschedules(db):
    run, ti_id = make_sensor_run(db)
    store = DirectTryStore(db)
    dispatch_and_claim(db, store, ti_id)
    reschedule(store, ti_id, 1, run.id, utcnow())
    with db.write() as session:
        assert clearing.clear(session, task_instances.for_run(session, "d", "r"), {"wait": 0}) == 1
    with db.read() as session:
        assert task_reschedules.for_task_instance(session, "d", "r", "wait") == []
        row = task_instances.get(session, ti_id)
    assert (row.state, row.try_number, row.max_tries) == ("none", 0, 0)
    assert store.reschedules(key=KEY, first_try_number=row.max_tries - 0 + 1, try_number=1).first_start is None
