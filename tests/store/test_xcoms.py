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


def test_the_same_on_postgresql(postgres_url) -> None:
    from slipstream.store import migrate
    from slipstream.store.db import Database

    database = Database(postgres_url)
    try:
        migrate.migrate(database)
        test_pushing_again_replaces_the_value_and_changes_its_version(database)
        test_mapped_values_are_counted_and_paged_in_map_index_order(database)
    finally:
        database.dispose()
