"""``slipstream db migrate | check | reset``."""

from __future__ import annotations

import sqlite3

from cli_helpers import add_seeds, free_port, invoke, invoke_json, no_traceback, run


def test_migrate_twice_is_idempotent(runner, home):
    first = invoke(runner, "db", "migrate").stdout
    assert "migrated from revision (empty) to" in first
    assert str(home / "slipstream.db") in first
    second = invoke(runner, "db", "migrate").stdout
    assert "is already at revision" in second
    assert (home / "slipstream.db").exists()


def test_migrate_to_a_revision_then_the_rest(runner, home):
    from slipstream.store.migrate import revisions

    *_, head = revisions()
    assert "migrated from revision (empty) to 0003." in invoke(runner, "db", "migrate", "-r", "0003").stdout
    with sqlite3.connect(home / "slipstream.db") as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "variable" in tables and "slot_pool" not in tables  # 0004 adds the pools
    assert "is already at revision 0003." in invoke(runner, "db", "migrate", "--to-revision", "0002").stdout
    assert f"migrated from revision 0003 to {head}." in invoke(runner, "db", "migrate").stdout
    result = invoke(runner, "db", "migrate", "-r", "9999", code=2)
    assert "unknown revision '9999'" in result.stderr


def test_check_ok(runner):
    invoke(runner, "db", "migrate")
    assert "is reachable and at revision" in invoke(runner, "db", "check").stdout


def test_check_an_empty_database_says_to_migrate(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{tmp_path / 'empty.db'}")
    result = invoke(runner, "db", "check", code=1)
    assert "at revision (empty)" in result.stderr
    assert "run `slipstream db migrate`" in result.stderr
    # Before the migrations ran every table would be a "difference": one line says it all.
    assert "Schema difference" not in result.stderr
    invoke(runner, "db", "migrate")
    invoke(runner, "db", "check")


def test_a_database_from_a_newer_version_is_refused_clearly(runner, tmp_path, monkeypatch):
    path = tmp_path / "newer.db"
    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{path}")
    invoke(runner, "db", "migrate")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = 'ffffffff'")

    check = run("db", "check", code=1)
    assert "revision ffffffff" in check.stderr
    assert "does not know" in check.stderr and "newer version" in check.stderr
    assert "db migrate" not in check.stderr  # migrating cannot help here
    assert no_traceback(check.stderr)

    migrate = run("db", "migrate", code=1)
    assert "'ffffffff'" in migrate.stderr and "newer version" in migrate.stderr
    assert no_traceback(migrate.stderr)

    listing = invoke(runner, "dags", "list", code=1)
    assert "newer version" in listing.stderr

    # reset is the way out: it drops everything and creates this version's schema.
    assert "was reset" in invoke(runner, "db", "reset", "-y").stdout
    invoke(runner, "db", "check")


def test_check_an_unreachable_postgres_fails_clearly(monkeypatch):
    monkeypatch.setenv(
        "SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", f"postgresql://slip:s3cret@127.0.0.1:{free_port()}/slipstream"
    )
    done = run("db", "check", code=1)
    assert done.stderr.startswith("Error: Cannot reach the database"), done.stderr
    assert "slip:***@127.0.0.1" in done.stderr
    assert "s3cret" not in done.stderr
    assert no_traceback(done.stderr)


def test_reset_deletes_the_runs(runner, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py")
    invoke(runner, "dags", "trigger", "parallel_dependencies")
    assert len(invoke_json(runner, "dags", "list-runs", "parallel_dependencies")) == 1

    result = invoke(runner, "db", "reset", "-y")
    assert "was reset" in result.stdout
    invoke(runner, "db", "check")
    invoke(runner, "dags", "list")  # parses the DAG files into the fresh store again
    assert invoke_json(runner, "dags", "list-runs", "parallel_dependencies") == []


def test_reset_asks_first(runner, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py")
    invoke(runner, "dags", "trigger", "parallel_dependencies")
    result = invoke(runner, "db", "reset", input="n\n", code=1)
    assert "This deletes all data" in result.output
    assert "Aborted" in result.output
    assert len(invoke_json(runner, "dags", "list-runs", "parallel_dependencies")) == 1
    invoke(runner, "db", "reset", input="y\n")
    invoke(runner, "dags", "list")
    assert invoke_json(runner, "dags", "list-runs", "parallel_dependencies") == []
