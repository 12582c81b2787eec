"""Run one DAG file end to end in a throwaway Slipstream home, the way a user's scheduler would.

Each call makes a temp ``SLIPSTREAM_HOME`` with a ``dags`` folder and a fresh SQLite store,
copies or writes the DAG file there, parses it with the real DAG file processor, then runs one
manual DAG run through the real scheduler and the local executor (fork server, one process per
task). It returns the finished dag_run row and the task_instance rows; nothing is timed here
except by the timestamps the product itself writes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

RUN_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class RunResult:
    dag_id: str
    state: str
    start_date: datetime
    end_date: datetime
    tasks: list[Any]  # task_instance rows: task_id, state, start_date, end_date, duration

    @property
    def wall_seconds(self) -> float:
        return (self.end_date - self.start_date).total_seconds()


class BenchError(RuntimeError):
    """The benchmark DAG did not load or its run did not succeed."""


@contextlib.contextmanager
def _temp_home() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="slipstream-bench-"))
    home = root / "home"
    (home / "dags").mkdir(parents=True)
    previous = os.environ.get("SLIPSTREAM_HOME")
    os.environ["SLIPSTREAM_HOME"] = str(home)
    try:
        yield home
    finally:
        if previous is None:
            os.environ.pop("SLIPSTREAM_HOME", None)
        else:
            os.environ["SLIPSTREAM_HOME"] = previous
        shutil.rmtree(root, ignore_errors=True)


def _migrated_and_parsed(home: Path, dag_id: str, database_url: str | None = None) -> tuple[Any, Any]:
    """Settings and a migrated store for ``home`` (its SQLite file, or ``database_url``), with its
    dags folder parsed; a DAG file that fails to load is a BenchError."""
    from slipstream.config import Settings
    from slipstream.dagfiles.processor import DagFileProcessor
    from slipstream.store import migrate
    from slipstream.store.db import Database

    settings = Settings.load(home, load_examples=False, dags_folder=home / "dags", dags_are_paused_at_creation=False)
    if database_url is not None:
        settings = settings.replace(sql_alchemy_conn=database_url)
    db = Database(settings.sql_alchemy_conn)
    migrate.migrate(db)
    processor = DagFileProcessor(settings, db)
    try:
        parsed = processor.process()
    finally:
        processor.close()
    errors = [e for p in parsed.parsed for e in p.errors]
    if errors:
        db.dispose()
        raise BenchError(f"{dag_id}: the DAG file failed to load: {errors}")
    return settings, db


def run_dag_file(
    dag_id: str,
    *,
    source: str | None = None,
    copy_from: Path | None = None,
    file_name: str | None = None,
    timeout: float = RUN_TIMEOUT_SECONDS,
    database_url: str | None = None,
) -> RunResult:
    """Put one DAG file (text ``source`` or an unchanged copy of ``copy_from``) in a fresh home and
    run it, on the home's SQLite store or on ``database_url``."""
    from slipstream.scheduler.run_to_end import run_dag_to_end
    from slipstream.store import task_instances

    if (source is None) == (copy_from is None):
        raise ValueError("give exactly one of source and copy_from")
    with _temp_home() as home:
        dags_folder = home / "dags"
        if copy_from is not None:
            shutil.copyfile(copy_from, dags_folder / (file_name or copy_from.name))
        else:
            (dags_folder / (file_name or f"{dag_id}.py")).write_text(source or "")
        settings, db = _migrated_and_parsed(home, dag_id, database_url)
        try:
            run = run_dag_to_end(settings, db, dag_id, timeout=timeout)
            with db.read() as session:
                rows = list(task_instances.for_run(session, dag_id, run.run_id))
        finally:
            db.dispose()
    if run.state != "success":
        failed = [(r.task_id, r.state) for r in rows if r.state != "success"]
        raise BenchError(f"{dag_id}: run ended {run.state}; tasks not successful: {failed[:10]}")
    if run.start_date is None or run.end_date is None:
        raise BenchError(f"{dag_id}: the finished run has no start_date or end_date")
    return RunResult(dag_id, run.state, run.start_date, run.end_date, rows)


@dataclass(frozen=True)
class ScheduledResult:
    dag_id: str
    runs: list[Any]  # dag_run rows: run_id, state, queued_at, start_date, end_date
    tasks: list[Any]  # task_instance rows of those runs


def run_scheduled_dag_file(
    dag_id: str, *, source: str, expected_runs: int, timeout: float = 1800.0
) -> ScheduledResult:
    """Put a scheduled DAG file in a fresh home and let the real scheduler (no ``only_run``: it
    creates the scheduled runs itself, catchup included) run until ``expected_runs`` runs exist
    and all of them are finished."""
    import threading

    from sqlalchemy import func, select

    from slipstream.executors.local import LocalExecutor
    from slipstream.scheduler.scheduler import Scheduler
    from slipstream.store import task_instances
    from slipstream.store.models import DagRunRow

    finished_states = {"success", "failed"}
    with _temp_home() as home:
        dags_folder = home / "dags"
        (dags_folder / f"{dag_id}.py").write_text(source)
        settings, db = _migrated_and_parsed(home, dag_id)
        try:

            def all_runs() -> list[Any]:
                with db.read() as session:
                    query = select(DagRunRow).where(DagRunRow.dag_id == dag_id).order_by(DagRunRow.logical_date)
                    return list(session.scalars(query))

            def done() -> bool:
                with db.read() as session:
                    total = session.scalar(select(func.count()).where(DagRunRow.dag_id == dag_id))
                    unfinished = session.scalar(
                        select(func.count()).where(DagRunRow.dag_id == dag_id, DagRunRow.state.not_in(finished_states))
                    )
                return (total or 0) >= expected_runs and not unfinished

            executor = LocalExecutor(settings)
            stop = threading.Event()
            timer = threading.Timer(timeout, stop.set)
            timer.start()
            try:
                Scheduler(settings, db, executor).run(stop=stop, until=done)
            finally:
                timer.cancel()
                if stop.is_set():
                    executor.terminate()
                executor.end()
            runs = all_runs()
            with db.read() as session:
                tasks = [ti for r in runs for ti in task_instances.for_run(session, dag_id, r.run_id)]
        finally:
            db.dispose()
    if stop.is_set():
        raise BenchError(f"{dag_id}: {len(runs)} runs after {timeout} s, expected {expected_runs} finished")
    not_ok = [(r.run_id, r.state) for r in runs if r.state != "success"]
    if len(runs) != expected_runs or not_ok:
        raise BenchError(f"{dag_id}: {len(runs)} runs (expected {expected_runs}); not successful: {not_ok[:10]}")
    return ScheduledResult(dag_id, runs, tasks)
