"""Shared fixtures: a fresh Slipstream home with a migrated SQLite store per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slipstream.config import Settings
from slipstream.store import migrate
from slipstream.store.db import Database

REPO = Path(__file__).resolve().parent.parent
SEED_DAGS = Path(os.environ.get("SLIPSTREAM_SEED_DAGS") or REPO.parent / "shared" / "seed-dags").resolve()
SEED_FIXED = SEED_DAGS / "fixed"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    monkeypatch.setenv("SLIPSTREAM_HOME", str(home))
    for name in list(os.environ):
        if name.startswith(("SLIPSTREAM__", "AIRFLOW__")):
            monkeypatch.delenv(name)
    # New DAGs start unpaused in tests, so that a test's DAG is scheduled without `dags unpause`
    # (tests/cli/test_subdir_and_pausing.py checks the default, paused).
    monkeypatch.setenv("SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION", "false")
    # `dags test` in a subprocess runs as a fresh command, leaving no warm start server behind
    # (tests/cli/test_warm_start.py turns it on).
    monkeypatch.setenv("SLIPSTREAM__CLI__WARM_START", "false")
    return home


@pytest.fixture
def settings(home: Path) -> Settings:
    """The home's settings; new DAGs start unpaused, so that what a test parses is scheduled at once."""
    return Settings.load(home, load_examples=False, task_heartbeat_sec=1.0, dags_are_paused_at_creation=False)


@pytest.fixture
def db(settings: Settings) -> Database:
    database = Database(settings.sql_alchemy_conn)
    migrate.migrate(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def seed_dags() -> Path:
    """The seed DAG folder (../shared/seed-dags, or SLIPSTREAM_SEED_DAGS).

    A fresh clone has no ../shared beside it: the tests that read the seeds are then skipped,
    saying what is missing; with CI=true they fail instead, so CI never passes without them.
    """
    if not SEED_DAGS.is_dir():
        missing = (
            f"the seed DAGs are not at {SEED_DAGS}: put the seed-dags folder at ../shared/seed-dags "
            "next to the repository, or point SLIPSTREAM_SEED_DAGS at it"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"{missing} (CI=true: the seed DAG tests must run)")
        pytest.skip(missing)
    return SEED_DAGS


@pytest.fixture
def write_dag(settings: Settings):
    """Write a DAG file into the dags folder: ``write_dag("name.py", source)`` returns its path."""
    import textwrap

    def write(name: str, source: str) -> Path:
        path = settings.dags_folder / name
        path.write_text(textwrap.dedent(source))
        return path

    return write


@pytest.fixture
def parse(settings: Settings, db: Database):
    """Parse the dags folder into the store (isolated child processes, as in production)."""
    from slipstream.dagfiles.processor import DagFileProcessor

    def run(force: bool = True):
        processor = DagFileProcessor(settings, db)
        try:
            return processor.process(force=force)
        finally:
            processor.close()

    return run


def postgres_available(url: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(url.replace("postgresql+psycopg", "postgresql"), connect_timeout=3):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database on 127.0.0.1:5432 for one test, dropped afterwards.

    Without the server the test is skipped locally, and fails when CI=true.
    """
    import uuid

    import psycopg

    admin = "postgresql://postgres@127.0.0.1:5432/postgres"
    if not postgres_available(admin):
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL is not reachable on 127.0.0.1:5432 and CI=true: start it (see .ci/run)")
        pytest.skip("PostgreSQL is not reachable on 127.0.0.1:5432")
    name = f"slipstream_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def shared_venvs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv cache for the whole session, so each environment is built once."""
    return tmp_path_factory.mktemp("venvs")


@pytest.fixture
def venvs(home: Path, shared_venvs: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The session's venv cache as ``[core] virtualenv_cache`` (set after ``home`` cleared SLIPSTREAM__*)."""
    monkeypatch.setenv("SLIPSTREAM__CORE__VIRTUALENV_CACHE", str(shared_venvs))
    return shared_venvs


@pytest.fixture(autouse=True)
def _forget_masked_secrets(monkeypatch: pytest.MonkeyPatch):
    """Secrets a test registers in this process (a task run in-process that read a password) are
    forgotten after it, and the streams the masker wrapped are put back, so later tests see their
    output as written."""
    import sys

    from slipstream.sdk import secrets_masker

    monkeypatch.setattr(sys, "stdout", sys.stdout)
    monkeypatch.setattr(sys, "stderr", sys.stderr)
    yield
    secrets_masker.reset()
    secrets_masker.configure()
