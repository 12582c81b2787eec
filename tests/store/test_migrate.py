"""Alembic migrations on SQLite and PostgreSQL, the schema check, and reset."""

from __future__ import annotations

from sqlalchemy import inspect

from slipstream.store import migrate
from slipstream.store.db import Database

TABLES = {"dag", "serialized_dag", "import_error", "dag_run", "task_instance", "xcom", "task_log", "alembic_version"}


def test_sqlite_migrate_check_and_reset(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'new.db'}")
    assert migrate.check_revision(db) == "behind"
    before, after = migrate.migrate(db)
    assert before is None and after
    assert migrate.migrate(db) == (after, after)
    check = migrate.check(db)
    assert check.ok, check.differences
    assert TABLES <= set(inspect(db.engine).get_table_names())
    migrate.reset(db)
    assert migrate.check(db).ok


def test_postgres_migrate_matches_the_models(postgres_url):
    db = Database(postgres_url)
    migrate.migrate(db)
    check = migrate.check(db)
    assert check.ok, check.differences
    assert TABLES <= set(inspect(db.engine).get_table_names())
    db.dispose()


def test_unknown_revision_is_reported(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'future.db'}")
    migrate.migrate(db)
    with db.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num='9999_from_the_future'")
    assert migrate.check_revision(db) == "unknown"
