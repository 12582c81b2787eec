"""Rendered template fields per try, and the runs templates and ``tasks render`` look up by date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from slipstream.store import dag_runs, previous_runs, rendered_fields
from slipstream.store.clock import utcnow

DAY = datetime(2024, 5, 1, tzinfo=UTC)


def save(db, try_number: int, fields: dict, map_index: int = -1) -> None:
    with db.write() as session:
        rendered_fields.save(
            session, dag_id="d", run_id="r", task_id="t", map_index=map_index, try_number=try_number,
            fields=fields, now=utcnow(),
        )


def test_each_try_keeps_its_own_values_and_the_latest_is_the_default(db) -> None:
    save(db, 1, {"bash_command": "echo 1"})
    save(db, 2, {"bash_command": "echo 2"})
    save(db, 1, {"bash_command": "echo 1, stored again"}, map_index=3)
    with db.read() as session:
        latest = rendered_fields.get(session, dag_id="d", run_id="r", task_id="t")
        first = rendered_fields.get(session, dag_id="d", run_id="r", task_id="t", try_number=1)
        mapped = rendered_fields.get(session, dag_id="d", run_id="r", task_id="t", map_index=3)
        none = rendered_fields.get(session, dag_id="d", run_id="r", task_id="other")
    assert (latest.try_number, latest.rendered_fields) == (2, {"bash_command": "echo 2"})
    assert first.rendered_fields == {"bash_command": "echo 1"}
    assert mapped.rendered_fields == {"bash_command": "echo 1, stored again"}
    assert none is None


def test_saving_a_try_again_replaces_its_values(db) -> None:
    save(db, 1, {"sql": "old"})
    save(db, 1, {"sql": "new"})
    with db.read() as session:
        assert rendered_fields.get(session, dag_id="d", run_id="r", task_id="t", try_number=1).rendered_fields == {
            "sql": "new"
        }


def test_saving_a_try_again_replaces_its_values_on_postgresql(postgres_url) -> None:
    from slipstream.store import migrate
    from slipstream.store.db import Database

    database = Database(postgres_url)
    try:
        migrate.migrate(database)
        test_saving_a_try_again_replaces_its_values(database)
        with database.write() as session:  # and on a plain connection, as the store service calls it
            rendered_fields.save(
                session.connection(), dag_id="d", run_id="r", task_id="t", map_index=-1, try_number=1,
                fields={"sql": "newer"}, now=utcnow(),
            )
        with database.read() as session:
            assert rendered_fields.get(session, dag_id="d", run_id="r", task_id="t").rendered_fields == {"sql": "newer"}
    finally:
        database.dispose()


def test_values_json_cannot_hold_are_stored_as_text(db) -> None:
    class Thing:
        def __str__(self) -> str:
            return "<a thing>"

    save(db, 1, {
        "when": DAY, "path": Path("/tmp/x"), "items": ("a", {1}), "nested": {1: Thing(), "ok": [1.5, None, True]},
        "nan": float("nan"),
    })
    with db.read() as session:
        stored = rendered_fields.get(session, dag_id="d", run_id="r", task_id="t").rendered_fields
    assert stored == {
        "when": "2024-05-01 00:00:00+00:00", "path": "/tmp/x", "items": ["a", [1]],
        "nested": {"1": "<a thing>", "ok": [1.5, None, True]}, "nan": "nan",
    }


def create_run(db, run_id: str, when: datetime, state: str, run_type: str = "scheduled") -> None:
    with db.write() as session:
        run = dag_runs.create(
            session, dag_id="d", run_id=run_id, run_type=run_type, tasks=[], now=utcnow(), logical_date=when,
            data_interval=(when - timedelta(days=1), when), state=state,
        )
        dag_runs.set_state(
            session, run.id, state, state, start_date=when + timedelta(hours=1), end_date=when + timedelta(hours=2)
        )


def test_previous_success_is_the_latest_successful_run_before_this_date(db) -> None:
    create_run(db, "a", DAY, "success")
    create_run(db, "b", DAY + timedelta(days=1), "failed")
    create_run(db, "c", DAY + timedelta(days=2), "success")
    create_run(db, "m", DAY + timedelta(days=3), "success", run_type="manual")
    with db.read() as session:
        assert previous_runs.previous_success(session, "d", DAY) is None
        assert previous_runs.previous_success(session, "d", DAY + timedelta(days=2)) == {
            "data_interval_start": DAY - timedelta(days=1), "data_interval_end": DAY,
            "start_date": DAY + timedelta(hours=1), "end_date": DAY + timedelta(hours=2),
        }
        assert previous_runs.previous_success(session, "d", DAY + timedelta(days=4))["data_interval_end"] == (
            DAY + timedelta(days=3)
        )
        assert previous_runs.previous_success(session, "other", DAY + timedelta(days=4)) is None
        assert previous_runs.previous_success(session, "d", None) is None


def test_run_at_prefers_the_scheduled_run_and_latest_is_by_logical_date(db) -> None:
    create_run(db, "manual_one", DAY, "success", run_type="manual")
    create_run(db, "scheduled_one", DAY, "success")
    create_run(db, "older_but_newer_id", DAY - timedelta(days=5), "success", run_type="manual")
    with db.read() as session:
        assert previous_runs.run_at(session, "d", DAY).run_id == "scheduled_one"
        assert previous_runs.run_at(session, "d", DAY + timedelta(days=1)) is None
        assert previous_runs.latest(session, "d").run_id == "scheduled_one"
        assert previous_runs.latest(session, "nope") is None
