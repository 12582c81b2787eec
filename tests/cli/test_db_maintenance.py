"""``db clean``, ``db check-migrations`` and ``db shell``."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime

from cli_helpers import FAILING_DAG, SLIPSTREAM, invoke, invoke_json
from test_dags_backfill import DAILY


def _runs(runner, dag_id):
    return sorted(r["run_id"] for r in invoke_json(runner, "dags", "list-runs", dag_id))


def test_clean_deletes_old_finished_runs_but_the_latest_scheduled_one(runner, dags_dir):
    from slipstream.cli.environment import load_settings, open_store
    from slipstream.store import jobs

    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    (dags_dir / "daily.py").write_text(DAILY.format(command="true"))
    invoke(runner, "dags", "test", "failing_dag", "2024-03-01", code=1)
    invoke(runner, "dags", "test", "failing_dag", "2024-03-02", code=1)
    invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-02")
    invoke(runner, "dags", "trigger", "failing_dag")  # queued: never cleaned
    with open_store(load_settings()).write() as session:
        jobs.register(session, "gone-host", 1, datetime(2020, 1, 1, tzinfo=UTC))

    dry = {r["table"]: r for r in invoke_json(runner, "db", "clean", "--clean-before-timestamp", "2100-01-01",
                                              "--dry-run")}
    assert dry["dag_run"]["would_delete"] == 3
    all_jobs = invoke_json(runner, "dags", "list-jobs")  # the commands' own schedulers, and the old one
    assert "gone-host" in {job["hostname"] for job in all_jobs} and dry["job"]["would_delete"] == len(all_jobs)
    assert len(_runs(runner, "failing_dag")) == 3

    only_daily = invoke_json(runner, "db", "clean", "--clean-before-timestamp", "2100-01-01", "--dag-ids", "daily",
                             "-t", "dag_run", "-y")
    assert only_daily == [{"table": "dag_run", "deleted": 1, "oldest": only_daily[0]["oldest"],
                           "newest": only_daily[0]["newest"]}]
    assert _runs(runner, "daily") == ["backfill__2024-01-02T00:00:00+00:00"]  # the latest stays

    invoke(runner, "db", "clean", "--clean-before-timestamp", "2100-01-01", input="n\n", code=1)
    assert len(_runs(runner, "failing_dag")) == 3
    invoke(runner, "db", "clean", "--clean-before-timestamp", "2100-01-01", "--exclude-dag-ids", "daily", "-y")
    [left] = invoke_json(runner, "dags", "list-runs", "failing_dag")
    assert left["state"] == "queued"
    assert invoke_json(runner, "dags", "list-jobs") == []


def test_clean_keeps_what_is_newer(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    invoke(runner, "dags", "test", "failing_dag", code=1)
    [row] = invoke_json(runner, "db", "clean", "--clean-before-timestamp", "2020-01-01", "-t", "dag_run", "-y")
    assert row["deleted"] == 0
    assert len(_runs(runner, "failing_dag")) == 1
    result = invoke(runner, "db", "clean", "--clean-before-timestamp", "2020-01-01", "-t", "xcom", code=2)
    assert "unknown table(s) xcom" in result.stderr


def test_check_migrations(runner):
    result = invoke(runner, "db", "check-migrations", "-t", "0", code=1)
    assert "is not at this version's revision after 0 s (behind): run `slipstream db migrate`" in result.stderr
    invoke(runner, "db", "migrate")
    assert "is at this version's revision" in invoke(runner, "db", "check-migrations").stdout


def test_shell_opens_sqlite3_on_the_store(runner, dags_dir):
    (dags_dir / "failing_dag.py").write_text(FAILING_DAG)
    invoke(runner, "dags", "list")
    done = subprocess.run([*SLIPSTREAM, "db", "shell"], input="select dag_id from dag;\n", capture_output=True,
                          text=True, timeout=60, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["failing_dag"]


def test_shell_on_postgresql_gets_the_connection_in_the_environment():
    from slipstream.store.db_shell import NoShell, shell_command

    command = shell_command("postgresql+psycopg://etl:secret@db.example.com:5433/meta")
    assert command.argv == ["psql"]
    assert command.env == {"PGHOST": "db.example.com", "PGPORT": "5433", "PGUSER": "etl", "PGPASSWORD": "secret",
                           "PGDATABASE": "meta"}
    try:
        shell_command("sqlite://")
    except NoShell as err:
        assert "in memory" in str(err)
    else:
        raise AssertionError("an in-memory SQLite database has no file to open")


def test_check_retries_an_unreachable_database(monkeypatch):
    from cli_helpers import free_port, run

    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", f"postgresql://slip:x@127.0.0.1:{free_port()}/db")
    done = run("db", "check", "--retry", "2", "--retry-delay", "0.1", code=1)
    assert done.stderr.count("Cannot reach the database yet") == 2
    assert "\nError: Cannot reach the database" in done.stderr


def test_reset_skip_init_leaves_no_tables(runner, home):
    import sqlite3

    invoke(runner, "db", "migrate")
    out = invoke(runner, "db", "reset", "-y", "--skip-init").stdout
    assert "every table was deleted" in out
    with sqlite3.connect(home / "slipstream.db") as connection:
        assert connection.execute("select name from sqlite_master where type = 'table'").fetchall() == []
    assert "run `slipstream db migrate`" in invoke(runner, "db", "check", code=1).stderr
