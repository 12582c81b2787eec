"""Alembic migrations on SQLite and PostgreSQL, the schema check, and reset."""

from __future__ import annotations

import subprocess
import sys

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
    assert migrate.check_revision(db) == "behind"
    migrate.migrate(db)
    assert migrate.check_revision(db) == "current"
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


def test_the_head_read_from_the_files_is_alembics():
    assert migrate.head_from_files() == migrate._head()


def test_migration_files_that_are_not_one_line_leave_the_head_to_alembic(tmp_path, monkeypatch):
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "__init__.py").write_text("")
    (versions / "0001_a.py").write_text('revision = "0001"\ndown_revision = None\n')
    (versions / "0002_b.py").write_text('revision: str = "0002"\ndown_revision: str | None = "0001"\n')
    monkeypatch.setattr(migrate, "MIGRATIONS", tmp_path)
    assert migrate.head_from_files() == "0002"
    (versions / "0003_c.py").write_text('revision = "0003"\ndown_revision = "0001"\n')  # a second head
    assert migrate.head_from_files() is None
    (versions / "0003_c.py").write_text('revision = "0003"\ndown_revision = ("0001", "0002")\n')  # a merge
    assert migrate.head_from_files() is None


def test_checking_a_current_database_does_not_import_alembic(tmp_path):
    """Every CLI command checks the revision: for a current database that is one query, no Alembic."""
    url = f"sqlite:///{tmp_path / 'current.db'}"
    migrate.migrate(Database(url))
    code = (
        "import sys\n"
        "from slipstream.store import migrate\n"
        "from slipstream.store.db import Database\n"
        f"print(migrate.check_revision(Database({url!r})), sorted(m for m in sys.modules if m.startswith('alembic')))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.split() == ["current", "[]"]
