"""A trigger or a clear made in another process (``slipstream dags trigger|clear``, as the API server
would) wakes a running scheduler at once: with a 30 s poll, the run still starts within about a second."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from slipstream.config import Settings
from slipstream.services.notify import notifier_for
from slipstream.store import dag_runs, migrate, wakeups
from slipstream.store.db import Database

VENV_SCRIPT = Path(sys.executable).with_name("slipstream")
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]
SLOW = {"poll_interval": 30.0, "scheduler_heartbeat_sec": 30.0, "dag_dir_list_interval": 30.0}

DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("woken", start_date=datetime(2024, 1, 1), schedule=None, catchup=False, is_paused_upon_creation=False):
    EmptyOperator(task_id="only")
"""


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, home: Path, monkeypatch: pytest.MonkeyPatch):
    overrides = {"load_examples": False, "task_heartbeat_sec": 1.0, **SLOW}
    if request.param == "postgres":
        overrides["sql_alchemy_conn"] = request.getfixturevalue("postgres_url")
        monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", overrides["sql_alchemy_conn"])
    for section, name in (("core", "load_examples"), ("scheduler", "poll_interval"),
                          ("scheduler", "scheduler_heartbeat_sec"), ("scheduler", "dag_dir_list_interval")):
        monkeypatch.setenv(f"SLIPSTREAM__{section.upper()}__{name.upper()}", str(overrides[name]))
    (home / "dags" / "woken.py").write_text(textwrap.dedent(DAG))
    settings = Settings.load(home, **overrides)
    db = Database(settings.sql_alchemy_conn)
    migrate.migrate(db)
    yield settings, db
    db.dispose()


def _started_scheduler(settings: Settings, db: Database):
    from slipstream.dagfiles.processor import DagFileProcessor
    from slipstream.scheduler.service import SchedulerService

    processor = DagFileProcessor(settings, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    service = SchedulerService(settings, db, parse=False)
    thread = threading.Thread(target=service.run, daemon=True)
    thread.start()
    time.sleep(1.0)  # its first pass is done; the next one would be 30 s away without a wake-up
    return service, thread


def _seconds_until_started(db: Database, run_id: str, limit: float = 10.0) -> float:
    begin = time.monotonic()
    while time.monotonic() - begin < limit:
        with db.read() as session:
            if dag_runs.state_of(session, "woken", run_id) not in (None, "queued"):
                return time.monotonic() - begin
        time.sleep(0.02)
    return float("inf")


def _run(db: Database):
    with db.read() as session:
        return dag_runs.get(session, "woken", "from_cli")


def _seconds_until(db: Database, condition, limit: float = 10.0) -> float:
    begin = time.monotonic()
    while time.monotonic() - begin < limit:
        if condition():
            return time.monotonic() - begin
        time.sleep(0.02)
    return float("inf")


@pytest.mark.timeout(90)
def test_a_trigger_and_a_clear_from_another_process_wake_the_scheduler(store):
    settings, db = store
    service, thread = _started_scheduler(settings, db)
    try:
        done = subprocess.run([*SLIPSTREAM, "dags", "trigger", "woken", "-r", "from_cli"], capture_output=True,
                              text=True, timeout=60, env=dict(os.environ))
        assert done.returncode == 0, done.stderr
        assert _seconds_until_started(db, "from_cli") < 3  # the poll is 30 s: only the wake-up can be this quick
        assert _seconds_until(db, lambda: _run(db).state == "success") < 10
        first_start = _run(db).start_date
        cleared = subprocess.run([*SLIPSTREAM, "dags", "clear", "woken", "from_cli", "-y"], capture_output=True,
                                 text=True, timeout=60, env=dict(os.environ))
        assert cleared.returncode == 0 and "Cleared 1 task instance(s)" in cleared.stdout, cleared.stderr
        ran_again = _seconds_until(db, lambda: _run(db).state == "success" and _run(db).start_date > first_start)
        assert ran_again < 3
    finally:
        service.stop()
        service.stop()
        thread.join(30)


def test_a_wake_up_nobody_listens_to_is_harmless(store):
    settings, db = store
    notifier_for(settings, db)("dag_run")  # no scheduler: nothing happens, nothing fails
    if db.is_sqlite:
        assert wakeups.socket_address(db) is not None
