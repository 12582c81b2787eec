"""Shared fixtures: a fresh Slipstream home with a migrated SQLite store per test."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slipstream.config import Settings
from slipstream.store import migrate
from slipstream.store.db import Database

REPO = Path(__file__).resolve().parent.parent
SEED_DAGS = (REPO.parent / "shared" / "seed-dags").resolve()
SEED_FIXED = SEED_DAGS / "fixed"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    monkeypatch.setenv("SLIPSTREAM_HOME", str(home))
    for name in list(os.environ):
        if name.startswith(("SLIPSTREAM__", "AIRFLOW__")):
            monkeypatch.delenv(name)
    return home


@pytest.fixture
def settings(home: Path) -> Settings:
    return Settings.load(home, load_examples=False, task_heartbeat_sec=1.0)


@pytest.fixture
def db(settings: Settings) -> Database:
    database = Database(settings.sql_alchemy_conn)
    migrate.migrate(database)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def seed_dags() -> Path:
    if not SEED_DAGS.is_dir():
        pytest.fail(f"the seed DAGs are expected at {SEED_DAGS} (../shared/seed-dags next to the repository)")
    return SEED_DAGS
