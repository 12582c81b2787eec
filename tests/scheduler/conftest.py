"""Driving DAG files end to end: a scheduler with the local executor on SQLite, as the product runs.

``SchedulerHarness`` runs ``Scheduler.run`` in a background thread, the way ``slipstream
scheduler`` runs it, so runs can be triggered while it is up, and a test can watch (or kill) a
task while it runs. ``RunResults`` reads what the store recorded about finished runs: task
instance rows, their intervals and their logs.

Fixtures:

- ``harness``: a started harness on the test's own store (the ``settings``/``db`` fixtures);
- ``seed_results`` / ``example_results``: module-scoped, the good seed DAGs (from the seed folder,
  broken files included) or the shipped example DAGs parsed and run once; every test of the
  module reads the same runs.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from slipstream.config import Settings
from slipstream.dagfiles.processor import DagFileProcessor
from slipstream.executors.local import LocalExecutor
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs, migrate, task_instances
from slipstream.store.db import Database
from slipstream.store.log_paths import log_path
from slipstream.store.states import FINISHED_RUN_STATES

FINISHED = {s.value for s in FINISHED_RUN_STATES}


def parse_dag_files(settings: Settings, db: Database) -> None:
    """One pass of the DAG file processor over ``settings.dag_folders()``."""
    processor = DagFileProcessor(settings, db)
    try:
        processor.process()
    finally:
        processor.close()


class SchedulerHarness:
    """A scheduler and a local executor in a background thread; trigger runs and wait for them."""

    def __init__(self, settings: Settings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.executor = LocalExecutor(settings)
        self.scheduler = Scheduler(settings, db, self.executor)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="test-scheduler", daemon=True)
        self.error: BaseException | None = None

    def _loop(self) -> None:
        try:
            self.scheduler.run(stop=self._stop)
        except BaseException as error:  # noqa: BLE001 - reported by wait(), not lost in the thread
            self.error = error

    def start(self) -> SchedulerHarness:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.executor.wake()
        self._thread.join(30)
        if self.executor.running:
            self.executor.terminate()
        self.executor.end(timeout=30)

    def __enter__(self) -> SchedulerHarness:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def results(self, runs: dict[str, Any]) -> RunResults:
        return RunResults(self.settings, self.db, dict(runs))

    def trigger(self, dag_id: str, **kwargs: Any) -> Any:
        run = trigger_dag(self.db, dag_id, **kwargs)
        self.executor.wake()
        return run

    def _check_alive(self) -> None:
        if self.error is not None:
            raise AssertionError(f"the scheduler loop stopped with {self.error!r}") from self.error
        if not self._thread.is_alive():
            raise AssertionError("the scheduler loop is not running")

    def wait_for_runs(self, runs: list[Any], timeout: float) -> dict[str, Any]:
        """Wait until every run is finished; returns the finished rows by dag_id."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            with self.db.read() as session:
                rows = [dag_runs.get(session, r.dag_id, r.run_id) for r in runs]
            if all(row.state in FINISHED for row in rows):
                return {row.dag_id: row for row in rows}
            if time.monotonic() > deadline:
                with self.db.read() as session:
                    states = {
                        f"{row.dag_id} {row.state}": {
                            ti.task_id: (ti.state, ti.try_number, str(ti.next_try_at), ti.state_reason)
                            for ti in task_instances.for_run(session, row.dag_id, row.run_id)
                        }
                        for row in rows
                    }
                raise AssertionError(f"runs not finished within {timeout} s: {states}")
            time.sleep(0.05)

    def run(self, *dag_ids: str, timeout: float = 60) -> dict[str, Any]:
        """Trigger each DAG once, all at the same time, and wait until every run has finished."""
        return self.wait_for_runs([self.trigger(dag_id) for dag_id in dag_ids], timeout)

    def wait_for_task(self, dag_id: str, run_id: str, task_id: str, predicate: Any, timeout: float) -> Any:
        """Wait until the task instance row satisfies ``predicate``; returns the row."""
        deadline = time.monotonic() + timeout
        while True:
            self._check_alive()
            with self.db.read() as session:
                row = next(t for t in task_instances.for_run(session, dag_id, run_id) if t.task_id == task_id)
            if predicate(row):
                return row
            if time.monotonic() > deadline:
                raise AssertionError(f"{dag_id}.{task_id} did not get there within {timeout} s: state {row.state}")
            time.sleep(0.02)


@dataclass
class RunResults:
    """What the store recorded about finished runs, by dag_id."""

    settings: Settings
    db: Database
    runs: dict[str, Any] = field(default_factory=dict)

    def run(self, dag_id: str) -> Any:
        return self.runs[dag_id]

    def run_seconds(self, dag_id: str) -> float:
        run = self.runs[dag_id]
        return (run.end_date - run.start_date).total_seconds()

    def tis(self, dag_id: str) -> dict[str, Any]:
        with self.db.read() as session:
            rows = task_instances.for_run(session, dag_id, self.runs[dag_id].run_id)
        return {row.task_id: row for row in rows}

    def ti(self, dag_id: str, task_id: str) -> Any:
        return self.tis(dag_id)[task_id]

    def interval(self, dag_id: str, task_id: str) -> tuple[datetime, datetime]:
        row = self.ti(dag_id, task_id)
        assert row.start_date is not None and row.end_date is not None, f"{task_id} has no start or end"
        return row.start_date, row.end_date

    def log_file(self, dag_id: str, task_id: str, try_number: int = 1) -> Path:
        run_id = self.runs[dag_id].run_id
        return log_path(self.settings.base_log_folder, dag_id, run_id, task_id, -1, try_number)

    def log(self, dag_id: str, task_id: str, try_number: int = 1) -> str:
        return self.log_file(dag_id, task_id, try_number).read_text()

    # -- the behaviour checks the seed and example tests share ---------------------------------

    def assert_all_succeeded(self, dag_id: str, task_ids: set[str] | None = None) -> None:
        assert self.runs[dag_id].state == "success", f"{dag_id}: run {self.runs[dag_id].state}"
        states = {t: row.state for t, row in self.tis(dag_id).items()}
        if task_ids is not None:
            assert set(states) == task_ids
        assert set(states.values()) == {"success"}, states

    def assert_overlap(self, dag_id: str, *task_ids: str) -> None:
        """All the tasks were running at one moment: the latest start is before the earliest end."""
        intervals = {t: self.interval(dag_id, t) for t in task_ids}
        latest_start = max(start for start, _ in intervals.values())
        earliest_end = min(end for _, end in intervals.values())
        assert latest_start < earliest_end, f"{dag_id}: {task_ids} did not run at the same time: {intervals}"

    def assert_dispatched_together(self, dag_id: str, *task_ids: str) -> None:
        """Handed to the executor in one scheduler pass, each in a process of its own: none waited
        for another. (Tasks that only print last ~15 ms, so whether their [start, end] intervals
        overlap depends on fork timing; this is what the scheduler decides.)"""
        rows = [self.ti(dag_id, t) for t in task_ids]
        queued = {row.queued_at for row in rows}
        assert len(queued) == 1, f"{dag_id}: {task_ids} were queued at different times: {sorted(queued)}"
        pids = {row.pid for row in rows}
        assert None not in pids and len(pids) == len(rows), f"{dag_id}: {task_ids} ran in processes {pids}"

    def assert_started_together(self, dag_id: str, *task_ids: str, within: float) -> None:
        starts = [self.interval(dag_id, t)[0] for t in task_ids]
        spread = (max(starts) - min(starts)).total_seconds()
        assert spread <= within, f"{dag_id}: {task_ids} started {spread:.3f} s apart (limit {within} s)"

    def assert_after(self, dag_id: str, task_id: str, *upstream_ids: str) -> None:
        """``task_id`` started only once every upstream had ended."""
        start = self.interval(dag_id, task_id)[0]
        for upstream in upstream_ids:
            end = self.interval(dag_id, upstream)[1]
            assert end <= start, f"{dag_id}: {task_id} started at {start}, before {upstream} ended at {end}"

    def assert_run_time_at_most(self, dag_id: str, seconds: float) -> None:
        took = self.run_seconds(dag_id)
        assert took <= seconds, f"{dag_id}: the run took {took:.2f} s, more than {seconds} s"

    def assert_log_holds(self, dag_id: str, task_id: str, *lines: str) -> None:
        text = self.log(dag_id, task_id)
        for line in lines:
            assert line in text, f"{dag_id}.{task_id}: {line!r} not in its log:\n{text}"

    def assert_finished_without_process(self, dag_id: str, task_id: str) -> None:
        row = self.ti(dag_id, task_id)
        assert row.state == "success"
        assert (row.hostname, row.pid, row.try_number) == (None, None, 0), f"{task_id} ran in a process"
        task_logs = self.log_file(dag_id, task_id).parent
        assert not task_logs.exists(), f"{task_id} has a log folder {task_logs}"


@pytest.fixture
def parse_folders(db: Database) -> Any:
    """``parse_folders(settings)``: one pass of the DAG file processor over ``settings.dag_folders()``
    into the test's store (the ``parse`` fixture does it for the test's own settings)."""
    return lambda custom: parse_dag_files(custom, db)


@pytest.fixture
def run_results(settings: Settings, db: Database) -> Any:
    """``run_results({dag_id: finished_run})`` reads the test's store about those runs."""
    return lambda runs: RunResults(settings, db, dict(runs))


@pytest.fixture
def harness(settings: Settings, db: Database) -> Iterator[SchedulerHarness]:
    with SchedulerHarness(settings, db) as running:
        yield running


@pytest.fixture(scope="module")
def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, Database]]:
    """A Slipstream home and migrated store shared by one test module (as tests/conftest.py makes them)."""
    home = tmp_path_factory.mktemp("module") / "home"
    (home / "dags").mkdir(parents=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SLIPSTREAM_HOME", str(home))
        for name in list(os.environ):
            if name.startswith(("SLIPSTREAM__", "AIRFLOW__")):
                patch.delenv(name)
        settings = Settings.load(home, load_examples=False, task_heartbeat_sec=1.0, dags_are_paused_at_creation=False)
        database = Database(settings.sql_alchemy_conn)
        migrate.migrate(database)
        yield settings, database
        database.dispose()


def run_in_stages(settings: Settings, db: Database, stages: list[list[str]], warm_up: str) -> RunResults:
    """Parse the DAG folders, then run each stage's DAGs together, one stage after the other.

    ``warm_up`` runs first, so the timed runs meet a scheduler and executor that are already up
    and have started task processes, as when a user triggers a DAG in a running installation.
    DAGs whose timing is checked get a stage of their own, so nothing else competes with them
    for the CPUs.
    """
    # Only the triggered runs: scheduled runs of the DAGs with a schedule would compete for the CPUs.
    settings = settings.replace(use_job_schedule=False)
    parse_dag_files(settings, db)
    results = RunResults(settings, db)
    with SchedulerHarness(settings, db) as running:
        running.run(warm_up, timeout=60)
        for stage in stages:
            results.runs.update(running.run(*stage, timeout=90))
    return results


# The good DAGs of the seed files and of the examples; the first two have a run-time limit.
TIMED_DAGS = ["parallel_data_processing", "parallel_notifications"]
OTHER_DAGS = [
    "parallel_dependencies", "parallel_multiprocessing", "parallel_tasks_example", "etl_pipeline_fixed",
    "parallel_etl_fixed", "production_etl_v2_fixed", "parallel_dag_fixed",
]
EXAMPLE_TIMED_DAGS = ["example_parallel_data_processing", "example_parallel_notifications"]
EXAMPLE_OTHER_DAGS = [
    "example_parallel_dependencies", "example_parallel_multiprocessing", "example_parallel_tasks_example",
    "example_etl_pipeline", "example_parallel_etl", "example_production_etl_v2", "example_parallel_dag",
    "example_taskflow_etl", "example_mapped_order_pricing",
]


@pytest.fixture(scope="module")
def seed_results(module_store: tuple[Settings, Database], seed_dags: Path) -> RunResults:
    """The seed folder, unchanged (broken files and fixed/ included), parsed and each good DAG run once."""
    settings, db = module_store
    settings = settings.replace(dags_folder=seed_dags)
    return run_in_stages(settings, db, [[d] for d in TIMED_DAGS] + [OTHER_DAGS], warm_up="parallel_dependencies")


@pytest.fixture(scope="module")
def example_results(module_store: tuple[Settings, Database]) -> RunResults:
    """The example DAGs shipped with Slipstream (load_examples), parsed and each run once."""
    settings, db = module_store
    settings = settings.replace(load_examples=True)
    stages = [[d] for d in EXAMPLE_TIMED_DAGS] + [EXAMPLE_OTHER_DAGS]
    return run_in_stages(settings, db, stages, warm_up="example_parallel_dependencies")
