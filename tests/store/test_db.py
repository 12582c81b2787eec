"""SQLite in WAL mode: concurrent writers from many processes wait, they never fail."""

from __future__ import annotations

import multiprocessing
from datetime import datetime

import pytest
from sqlalchemy import text

from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.db import Database


def test_sqlite_uses_wal(db):
    with db.read() as session:
        assert session.execute(text("PRAGMA journal_mode")).scalar() == "wal"


def _hammer(url: str, ti_ids: list[int], rounds: int) -> None:
    db = Database(url)
    for _i in range(rounds):
        for ti_id in ti_ids:
            with db.write() as session:
                task_instances.heartbeat(session, ti_id, 0, utcnow())
                session.execute(text("SELECT count(*) FROM task_instance")).scalar()


def test_many_processes_writing_at_once_lose_nothing_to_locks(db, settings):
    specs = [dag_runs.TaskSpec(f"t{i}", "X", 0, "default_pool", 1, "default", 1) for i in range(8)]
    with db.write() as session:
        dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=specs, now=utcnow())
        ids = [t.id for t in task_instances.for_run(session, "d", "r")]
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_hammer, args=(settings.sql_alchemy_conn, ids, 25)) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0] * 6, "a writer failed (e.g. 'database is locked')"


def test_naive_datetimes_are_refused(db):
    with pytest.raises(Exception, match="naive datetime"), db.write() as session:
        dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=[], now=datetime(2024, 1, 1))
