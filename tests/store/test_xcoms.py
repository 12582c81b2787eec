"""XCom rows: pushed again, a value replaces the old one in one statement, with a new version."""

from __future__ import annotations

import time

from slipstream.store import xcoms
from slipstream.store.clock import utcnow

WHERE = {"dag_id": "d", "run_id": "r", "task_id": "t", "key": "return_value"}


def _push(db, value, map_index: int = -1) -> None:
    with db.write_connection() as connection:
        xcoms.push(connection, dag_run_id=1, **WHERE, map_index=map_index, value=value, now=utcnow())


def test_pushing_again_replaces_the_value_and_changes_its_version(db) -> None:
    _push(db, [1, 2])
    with db.read_connection() as connection:
        first = xcoms.version(connection, **WHERE)
        assert xcoms.pull(connection, **WHERE) == [1, 2]
        assert xcoms.value_by_id(connection, first[0]) == [1, 2]
    time.sleep(0.001)
    _push(db, {"a": 1})
    with db.read_connection() as connection:
        assert xcoms.pull(connection, **WHERE) == {"a": 1}
        assert xcoms.version(connection, **WHERE) != first
        assert len(xcoms.for_run(connection, "d", "r")) == 1


def test_mapped_values_are_counted_and_paged_in_map_index_order(db) -> None:
    for map_index in (2, 0, 1):
        _push(db, map_index * 10, map_index=map_index)
    _push(db, "again", map_index=1)
    with db.read_connection() as connection:
        assert xcoms.count_mapped(connection, **WHERE) == 3
        assert xcoms.page_mapped(connection, **WHERE, offset=0, limit=10) == [0, "again", 20]
        assert xcoms.pull(connection, **WHERE, map_index=1) == "again"
        assert xcoms.version(connection, **{**WHERE, "task_id": "nothing"}) is None


def _run_with_value(db, run_id: str, day: int, values: dict[int, object]) -> None:
    from datetime import UTC, datetime

    from slipstream.store import dag_runs

    with db.write() as session:
        run = dag_runs.create(
            session, dag_id="prior", run_id=run_id, run_type="scheduled", tasks=[], now=utcnow(),
            logical_date=datetime(2024, 1, day, tzinfo=UTC),
        )
        for map_index, value in values.items():
            xcoms.push(
                session, dag_run_id=run.id, dag_id="prior", run_id=run_id, task_id="t", map_index=map_index,
                key="return_value", value=value, now=utcnow(),
            )


def test_prior_dates_reach_earlier_runs_by_logical_date(db) -> None:
    _run_with_value(db, "day3", 3, {-1: "third"})
    _run_with_value(db, "day1", 1, {-1: "first", 0: "first-0"})
    _run_with_value(db, "day2", 2, {})
    where = {"dag_id": "prior", "task_id": "t", "key": "return_value"}
    with db.read_connection() as connection:
        # the latest value of this run or an earlier one; a later run (day3) is never seen
        assert xcoms.pull_one(connection, **where, run_id="day2", map_index=-1, include_prior_dates=True) == "first"
        assert xcoms.pull_one(connection, **where, run_id="day3", map_index=-1, include_prior_dates=True) == "third"
        assert xcoms.pull_one(connection, **where, run_id="day2", map_index=-1) is None
        # all values, by map index and then oldest run first
        assert xcoms.pull_all(connection, **where, run_id="day3", include_prior_dates=True) == ["first", "third", "first-0"]
        assert xcoms.pull_all(connection, **where, run_id="day1") == ["first", "first-0"]
        assert xcoms.pull_all(connection, **where, run_id="day2") == []


def test_the_same_on_postgresql(postgres_url) -> None:
    from slipstream.store import migrate
    from slipstream.store.db import Database

    database = Database(postgres_url)
    try:
        migrate.migrate(database)
        test_pushing_again_replaces_the_value_and_changes_its_version(database)
        test_mapped_values_are_counted_and_paged_in_map_index_order(database)
        test_prior_dates_reach_earlier_runs_by_logical_date(database)
    finally:
        database.dispose()
