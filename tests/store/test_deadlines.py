"""A run's deadlines in the store: computed from the references when the run is created, found
when they pass, moved by compare-and-set, cleared when the run succeeds in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipstream.store import dag_runs, deadlines, migrate, task_state
from slipstream.store.db import Database

T0 = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)
CALLBACK = {"kind": "sync", "path": "alerts.notify", "kwargs": {}, "executor": None}


def alert(reference: dict, seconds: float, name: str | None = None) -> dict:
    return {"name": name, "reference": reference, "interval": seconds, "callback": CALLBACK}


def create(db, run_id: str, alerts: list[dict], now: datetime = T0, logical_date: datetime | None = None,
           dag_id: str = "d"):
    with db.write() as session:
        run = dag_runs.create(session, dag_id=dag_id, run_id=run_id, run_type="manual", tasks=[], now=now,
                              logical_date=logical_date, deadline_alerts=alerts)
        return run.id


def rows_of(db, dag_run_id: int) -> list:
    with db.read() as session:
        return deadlines.for_run(session, dag_run_id)


def test_each_built_in_reference_gives_its_time(db):
    fixed = datetime(2025, 3, 2, tzinfo=UTC)
    run_id = create(db, "r1", [
        alert({"reference_type": "DagRunQueuedAtDeadline"}, 600, "queued"),
        alert({"reference_type": "DagRunLogicalDateDeadline"}, 3600),
        alert({"reference_type": "FixedDatetimeDeadline", "datetime": fixed.timestamp()}, 0),
    ], logical_date=T0 - timedelta(hours=2))
    rows = rows_of(db, run_id)
    assert [(r.alert_index, r.name, r.state, r.deadline_time) for r in rows] == [
        (0, "queued", "pending", T0 + timedelta(minutes=10)),
        (1, None, "pending", T0 - timedelta(hours=1)),
        (2, None, "pending", fixed),
    ]
    assert rows[0].callback == CALLBACK and rows[0].run_id == "r1" and rows[0].dag_id == "d"


def test_no_logical_date_means_no_deadline_from_it(db):
    run_id = create(db, "r1", [alert({"reference_type": "DagRunLogicalDateDeadline"}, 60)])
    assert rows_of(db, run_id) == []


def test_average_runtime_counts_from_now_once_enough_runs_finished(db):
    average = {"reference_type": "AverageRuntimeDeadline", "max_runs": 2, "min_runs": 2}
    first = create(db, "early", [alert(average, 60)])
    assert rows_of(db, first) == []  # no finished run yet
    for run_id, minutes in (("a", 10), ("b", 30), ("c", 50)):
        with db.write() as session:
            run = dag_runs.create(session, dag_id="d", run_id=run_id, run_type="manual", tasks=[], now=T0)
            dag_runs.set_state(session, run.id, "queued", "success", start_date=T0,
                               end_date=T0 + timedelta(minutes=minutes))
    now = T0 + timedelta(days=1)
    later = create(db, "later", [alert(average, 60)], now=now)
    [row] = rows_of(db, later)
    assert row.deadline_time == now + timedelta(minutes=40, seconds=60)  # the last two runs: 30 and 50 min


def test_a_custom_reference_waits_to_be_evaluated(db):
    run_id = create(db, "r1", [alert({"reference_type": "Mine", "class_path": "dags.refs.Mine"}, 300)])
    [row] = rows_of(db, run_id)
    assert (row.state, row.deadline_time) == ("unevaluated", None)
    with db.read() as session:
        assert deadlines.waiting(session) == (None, True)
        assert [r.id for r in deadlines.due(session, T0)] == [row.id]
    with db.write() as session:
        assert deadlines.move(session, row.id, "unevaluated", "evaluating")
        assert not deadlines.move(session, row.id, "unevaluated", "evaluating")
        assert deadlines.set_evaluated(session, row.id, T0 + timedelta(hours=1))
    [row] = rows_of(db, run_id)
    assert (row.state, row.deadline_time) == ("pending", T0 + timedelta(hours=1, minutes=5))


def test_a_custom_reference_with_no_time_leaves_no_deadline(db):
    run_id = create(db, "r1", [alert({"reference_type": "Mine", "class_path": "dags.refs.Mine"}, 300)])
    [row] = rows_of(db, run_id)
    with db.write() as session:
        deadlines.move(session, row.id, "unevaluated", "evaluating")
        assert deadlines.set_evaluated(session, row.id, None)
    assert rows_of(db, run_id) == []


def test_due_and_waiting_and_a_miss_moves_once(db):
    run_id = create(db, "r1", [
        alert({"reference_type": "DagRunQueuedAtDeadline"}, 60),
        alert({"reference_type": "DagRunQueuedAtDeadline"}, 120),
    ])
    first, second = rows_of(db, run_id)
    with db.read() as session:
        assert deadlines.waiting(session) == (T0 + timedelta(minutes=1), False)
        assert deadlines.due(session, T0 + timedelta(seconds=59)) == []
        assert [r.id for r in deadlines.due(session, T0 + timedelta(seconds=90))] == [first.id]
    with db.write() as session:
        assert deadlines.move(session, first.id, "pending", "missed")
        assert not deadlines.move(session, first.id, "pending", "missed")
    with db.read() as session:
        assert deadlines.waiting(session) == (T0 + timedelta(minutes=2), False)
        assert [r.id for r in deadlines.due(session, T0 + timedelta(minutes=5))] == [second.id]


def test_success_clears_the_deadlines_not_yet_passed_and_keeps_the_missed(db):
    run_id = create(db, "r1", [
        alert({"reference_type": "DagRunQueuedAtDeadline"}, 60),
        alert({"reference_type": "DagRunQueuedAtDeadline"}, 600),
        alert({"reference_type": "DagRunQueuedAtDeadline"}, 3600),
    ])
    missed = rows_of(db, run_id)[0]
    with db.write() as session:
        deadlines.move(session, missed.id, "pending", "missed")
        assert deadlines.clear_met(session, run_id, T0 + timedelta(minutes=20)) == 1
    assert [(r.state, r.deadline_time) for r in rows_of(db, run_id)] == [
        ("missed", T0 + timedelta(minutes=1)),
        ("pending", T0 + timedelta(minutes=10)),  # passed before the run ended: the scheduler fires it
    ]


def test_an_unknown_reference_is_skipped(db):
    run_id = create(db, "r1", [alert({"reference_type": "FromTheFuture"}, 60)])
    assert rows_of(db, run_id) == []


@pytest.mark.postgres
def test_the_same_on_postgres(postgres_url):
    db = Database(postgres_url)
    migrate.migrate(db)
    try:
        fixed = datetime(2025, 3, 2, tzinfo=UTC)
        first = create(db, "r1", [
            alert({"reference_type": "DagRunQueuedAtDeadline"}, 600),
            alert({"reference_type": "FixedDatetimeDeadline", "datetime": fixed.timestamp()}, 0),
            alert({"reference_type": "Mine", "class_path": "dags.refs.Mine"}, 300),
        ])
        with db.write() as session:
            run = dag_runs.create(session, dag_id="d", run_id="done", run_type="manual", tasks=[], now=T0)
            dag_runs.set_state(session, run.id, "queued", "success", start_date=T0, end_date=T0 + timedelta(minutes=6))
        average = create(db, "r2", [alert({"reference_type": "AverageRuntimeDeadline", "max_runs": 5, "min_runs": 1}, 0)])
        assert [r.deadline_time for r in rows_of(db, average)] == [T0 + timedelta(minutes=6)]
        with db.read() as session:
            assert deadlines.waiting(session) == (T0 + timedelta(minutes=6), True)
            assert len(deadlines.due(session, T0 + timedelta(minutes=10))) == 3
        with db.write() as session:
            assert deadlines.clear_met(session, first, T0 + timedelta(minutes=5)) == 3
        key = ("d", "r1", "t", -1)
        with db.write() as session:
            task_state.set_value(session, first, key, "job", {"id": 1}, T0, None)
            task_state.set_value(session, first, key, "job", {"id": 2}, T0, None)
        with db.read() as session:
            assert task_state.get(session, first, key, "job", T0) == (True, {"id": 2})
    finally:
        db.dispose()
