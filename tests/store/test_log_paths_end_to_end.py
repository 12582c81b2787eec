"""Ids an old database may hold, that validation would refuse today, run through the real path:
rows inserted directly, tries handed to the local executor, each task process writing its log
where the store records it. Every log stays under the logs folder, one file per try."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from slipstream.executors.base import Workload
from slipstream.executors.local import LocalExecutor
from slipstream.store import dag_runs, migrate, task_instances, task_logs
from slipstream.store.clock import utcnow
from slipstream.store.db import Database
from slipstream.store.states import TaskInstanceState as TI

DAG_FILE = """
from datetime import datetime
from slipstream import DAG, EmptyOperator

with DAG("plain", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    EmptyOperator(task_id="t")
"""

IDS = [
    ("..", "..", ".."),
    (".", ".", "."),
    ("../../etc", "../../../tmp/x", "../t"),
    ("a/b", "r/x", "g/t"),
    ("/abs", "/etc/passwd", "/t"),
    ("nul\x00dag", "nul\x00run", "nul\x00task"),
    ("long", "r" * 400, "t" * 400),
    ("dàg", "rün:1", "tâche"),
    ("same", "a:b", "t"),
    ("same", "a_b", "t"),
]


def test_tries_with_nasty_ids_write_their_logs_inside_the_logs_folder_one_file_each(settings, db, write_dag):
    run_nasty_tries(settings, db, write_dag("plain.py", DAG_FILE), IDS)


@pytest.mark.postgres
def test_the_same_on_postgres(settings, write_dag, postgres_url):
    """PostgreSQL keeps no NUL in text and at most 250 characters an id: the others, as they are."""
    settings = settings.replace(sql_alchemy_conn=postgres_url)
    db = Database(postgres_url)
    migrate.migrate(db)
    try:
        ids = [tuple(i[:250] for i in key) for key in IDS if not any("\x00" in i for i in key)]
        run_nasty_tries(settings, db, write_dag("plain.py", DAG_FILE), ids)
    finally:
        db.dispose()


def run_nasty_tries(settings, db, fileloc, ids) -> None:
    now = utcnow()
    spec = dag_runs.TaskSpec(task_id="", operator="EmptyOperator", max_tries=0, pool="default_pool", pool_slots=1,
                             queue="default", priority_weight=1)
    with db.write() as session:
        for dag_id, run_id, task_id in ids:
            dag_runs.create(session, dag_id=dag_id, run_id=run_id, run_type="manual", now=now,
                            tasks=[dataclasses.replace(spec, task_id=task_id)])
        rows = [row for dag_id, run_id, _ in ids for row in task_instances.for_run(session, dag_id, run_id)]
        task_instances.move(session, [r.id for r in rows], TI.NONE.value, TI.SCHEDULED.value)
        tries = task_instances.queue_tries(session, [r.id for r in rows], now)
    assert len(rows) == len(ids) == len(tries)
    executor = LocalExecutor(settings)
    try:
        for row in rows:
            executor.queue_workload(Workload(
                ti_id=row.id, dag_id=row.dag_id, run_id=row.run_id, task_id=row.task_id, map_index=-1,
                try_number=tries[row.id], fileloc=str(fileloc),
            ))
        events = [executor.events.get(timeout=60) for _ in rows]
    finally:
        executor.end(timeout=30)
    assert all(event is not None for event in events)
    base = os.path.realpath(settings.base_log_folder) + os.sep
    paths = []
    with db.read() as session:
        for row in rows:
            (log,) = task_logs.for_task(session, row.dag_id, row.run_id, row.task_id)
            paths.append(log.path)
    assert len(set(paths)) == len(rows), "one file per try"
    for row, path in zip(rows, paths, strict=True):
        assert os.path.realpath(path).startswith(base), path
        assert f"Running {row.dag_id}." in Path(path).read_text(errors="replace"), path
    home = Path(settings.base_log_folder).parent
    outside = [p for p in home.parent.rglob("*.log") if not os.path.realpath(p).startswith(base)]
    assert outside == []
