"""The hourly-to-daily rollup of test_partitions_e2e on PostgreSQL: the same scheduler, task
processes and store functions, with writers that do not wait for each other as on SQLite."""

from __future__ import annotations

import pytest
from test_partitions_e2e import CONSUMERS, PRODUCER, check_rollups

from slipstream.config import Settings
from slipstream.store import migrate
from slipstream.store.db import Database

pytestmark = pytest.mark.postgres


@pytest.fixture
def settings(home, postgres_url) -> Settings:
    return Settings.load(
        home, load_examples=False, task_heartbeat_sec=1.0, dags_are_paused_at_creation=False
    ).replace(sql_alchemy_conn=postgres_url)


@pytest.fixture
def db(settings: Settings):
    database = Database(settings.sql_alchemy_conn)
    migrate.migrate(database)
    yield database
    database.dispose()


def test_hourly_partitions_roll_up_on_postgresql(db, write_dag, parse, harness):
    assert repr(db).startswith("Database('postgresql")
    write_dag("producer.py", PRODUCER)
    write_dag("consumers.py", CONSUMERS)
    parse()
    check_rollups(db, harness)
