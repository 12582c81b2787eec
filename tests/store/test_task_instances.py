"""Compare-and-set state changes: a try is claimed once and a late report loses."""

from __future__ import annotations

from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI
from slipstream.store.states import failure_state


def make_run(db, tasks=("a",), max_tries=1):
    specs = [dag_runs.TaskSpec(t, "PythonOperator", max_tries, "default_pool", 1, "default", 1) for t in tasks]
    with db.write() as session:
        run = dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=specs, now=utcnow())
        return run, {t.task_id: t.id for t in task_instances.for_run(session, "d", "r")}


def test_a_try_is_claimed_once(db):
    _, ids = make_run(db)
    now = utcnow()
    with db.write() as session:
        assert task_instances.set_state(session, ids["a"], TI.NONE, TI.SCHEDULED)
        assert task_instances.queue_tries(session, [ids["a"]], now) == {ids["a"]: 1}
        assert task_instances.queue_tries(session, [ids["a"]], now) == {}, "already queued"
    with db.write() as session:
        claimed = task_instances.start_try(session, ids["a"], 1, "host", 10, now)
        assert claimed is not None and claimed.max_tries == 1
    with db.write() as session:
        assert task_instances.start_try(session, ids["a"], 1, "other", 11, now) is None
    with db.read() as session:
        row = task_instances.get(session, ids["a"])
    assert (row.state, row.hostname, row.pid) == ("running", "host", 10)


def test_finish_only_for_the_current_try(db):
    _, ids = make_run(db)
    now = utcnow()
    with db.write() as session:
        task_instances.set_state(session, ids["a"], TI.NONE, TI.SCHEDULED)
        task_instances.queue_tries(session, [ids["a"]], now)
        task_instances.start_try(session, ids["a"], 1, "h", 1, now)
    with db.write() as session:
        assert not task_instances.finish_try(session, ids["a"], 2, "success", now), "wrong try number"
        assert task_instances.finish_try(session, ids["a"], 1, "failed", now, reason="boom", started_at=now)
        assert not task_instances.finish_try(session, ids["a"], 1, "success", now), "already finished"
    with db.read() as session:
        row = task_instances.get(session, ids["a"])
    assert (row.state, row.state_reason, row.duration) == ("failed", "boom", 0.0)


def test_failure_state_uses_the_tries_left():
    assert failure_state(1, 1) is TI.UP_FOR_RETRY
    assert failure_state(2, 1) is TI.FAILED
    assert failure_state(1, 0) is TI.FAILED


def test_move_moves_only_rows_in_the_expected_state(db):
    _, ids = make_run(db, tasks=("a", "b", "c"))
    with db.write() as session:
        task_instances.set_state(session, ids["a"], TI.NONE, TI.SKIPPED)
        moved = len(task_instances.move(session, list(ids.values()), TI.NONE, TI.SCHEDULED))
    assert moved == 2


def test_expand_turns_the_placeholder_into_instances_once(db):
    run, ids = make_run(db, tasks=("mapped",), max_tries=3)
    with db.write() as session:
        assert task_instances.expand(session, ids["mapped"], 4, TI.SCHEDULED.value)
        assert not task_instances.expand(session, ids["mapped"], 4, TI.SCHEDULED.value)
    with db.read() as session:
        rows = sorted(task_instances.for_run(session, "d", run.run_id), key=lambda r: r.map_index)
    assert [(r.map_index, r.state, r.max_tries, r.try_number) for r in rows] == [
        (i, "scheduled", 3, 0) for i in range(4)
    ]
    assert rows[0].id == ids["mapped"]
