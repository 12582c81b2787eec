"""A ``slipstream scheduler`` killed with SIGKILL while tasks run, then started again: the task
processes it left run on and record their results directly, the new scheduler adopts what the
dead one dispatched, and every task body runs exactly once (retries=0, the run succeeds).

``pytest tests/cli/test_scheduler_kill.py -s`` prints the recovery figures."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest
from cli_helpers import run

from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.db import Database

TASKS = 40

BODIES = '''
import os, random, time
from datetime import datetime
from airflow import DAG
from airflow.operators.python import PythonOperator

LEDGER = {ledger!r}


def body(name):
    time.sleep(random.uniform(0.5, 2.5))
    fd = os.open(LEDGER, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(fd, (name + "\\n").encode())
    os.close(fd)


with DAG("bodies", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=16,
         default_args={{"retries": 0}}):
    for i in range({tasks}):
        PythonOperator(task_id=f"t{{i:02d}}", python_callable=body, op_args=[f"t{{i:02d}}"])
'''


def _rows(db: Database, run_id: str) -> list:
    with db.read() as session:
        return task_instances.for_run(session, "bodies", run_id)


def _until(check, timeout: float = 90.0, every: float = 0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"not within {timeout} s")


def _store_service_of(pid: int) -> int:
    """The store service the scheduler ``pid`` started (its child running executors.store_service)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            cmdline = (entry / "cmdline").read_bytes()
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid and b"store_service" in cmdline:
            return int(entry.name)
    raise AssertionError(f"scheduler {pid} has no store service")


def _kill_and_restart(server, dags_dir: Path, url: str, store_service_only: bool = False) -> None:
    ledger = dags_dir.parent / "ledger.txt"
    (dags_dir / "bodies.py").write_text(BODIES.format(ledger=str(ledger), tasks=TASKS))
    db = Database(url)
    first = server("scheduler")
    first.wait_for(r"^Loaded DAG bodies")
    run_id = json.loads(run("dags", "trigger", "bodies", "-o", "json").stdout)[0]["run_id"]

    def busy() -> bool:
        states = [r.state for r in _rows(db, run_id)]
        return states.count("running") >= 8 and states.count("success") >= 2

    _until(busy)
    before = {r.id: (r.state, r.try_number) for r in _rows(db, run_id)}
    killed_at, killed_wall = time.monotonic(), utcnow()
    if store_service_only:
        os.kill(_store_service_of(first.process.pid), signal.SIGKILL)
        second = first
    else:
        os.kill(first.process.pid, signal.SIGKILL)
        first.process.wait(10)
        second = server("scheduler")

    def changed():
        return any(before[r.id] != (r.state, r.try_number) for r in _rows(db, run_id))

    _until(changed)
    first_change = time.monotonic() - killed_at
    _until(lambda: any(r.queued_at is not None and r.queued_at > killed_wall for r in _rows(db, run_id)))
    first_dispatch = time.monotonic() - killed_at

    def finished():
        with db.read() as session:
            return dag_runs.state_of(session, "bodies", run_id) in ("success", "failed")

    _until(finished, timeout=180, every=0.2)
    with db.read() as session:
        assert dag_runs.state_of(session, "bodies", run_id) == "success", [
            (r.task_id, r.state, r.state_reason) for r in _rows(db, run_id) if r.state != "success"
        ]
    rows = _rows(db, run_id)
    assert {r.state for r in rows} == {"success"}
    assert {r.try_number for r in rows} == {1}, "no try was failed, retried or run twice"
    lines = ledger.read_text().splitlines()
    duplicated = len(lines) - len(set(lines))
    assert sorted(lines) == [f"t{i:02d}" for i in range(TASKS)], f"{duplicated} bodies ran twice"
    what = "the store service" if store_service_only else "the scheduler"
    print(
        f"\nSIGKILL of {what} with {before and sum(s == 'running' for s, _ in before.values())} tasks running: "
        f"first task state change {first_change:.2f} s after the kill, first dispatch after it "
        f"{first_dispatch:.2f} s after, bodies run twice: {duplicated}"
    )
    assert second.stop(signal.SIGTERM, timeout=30) == 0, second.output
    db.dispose()


def test_a_killed_scheduler_loses_nothing_and_runs_nothing_twice(server, dags_dir, settings):
    _kill_and_restart(server, dags_dir, settings.sql_alchemy_conn)


@pytest.mark.postgres
def test_a_killed_scheduler_loses_nothing_and_runs_nothing_twice_on_postgres(
    server, dags_dir, postgres_url, monkeypatch
):
    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", postgres_url)
    _kill_and_restart(server, dags_dir, postgres_url)


def test_a_killed_store_service_loses_nothing_and_runs_nothing_twice(server, dags_dir, settings):
    _kill_and_restart(server, dags_dir, settings.sql_alchemy_conn, store_service_only=True)
