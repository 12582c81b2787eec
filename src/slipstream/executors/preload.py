"""What the fork server and its zygotes do before they fork task processes.

The fork server compiles the runner's statements and rehearses a task once, so the caches a
task process needs are full before any fork. A zygote (one per DAG file and core) imports its
DAG file and opens a warm connection, then answers its task processes' store calls.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from slipstream.config import Settings
from slipstream.runner.task_logging import configure_task_logging
from slipstream.runner.try_store import DirectTryStore, serve_request
from slipstream.store import dag_runs, previous_runs, rendered_fields, task_instances, task_logs, xcoms
from slipstream.store.db import Database
from slipstream.store.types import utcnow

warm: dict[str, Database] = {}


def warm_up(settings: Settings) -> None:
    """In the fork server: build the engine and compile the runner's statements once.

    Children inherit the engine with its dialect initialised and its statement cache full,
    and open their own connections (the engine keeps none: NullPool).
    """
    db = Database(settings.sql_alchemy_conn, pool=False)
    with db.engine.connect() as connection:
        _exercise_statements(connection)
    warm[settings.sql_alchemy_conn] = db
    _rehearse_a_task()


def _exercise_statements(connection: Any) -> None:
    """Run every statement a try uses, matching no row, and roll back (fills the statement cache)."""
    transaction = connection.begin()
    now = utcnow()
    task_instances.start_try(connection, -1, 1, "warm-up", 0, now)
    dag_runs.row_by_id(connection, -1)
    task_instances.finish_try(connection, -1, 1, "success", now, started_at=now)
    task_instances.heartbeat(connection, -1, 1, now)
    xcoms.push(connection, dag_run_id=-1, dag_id="-", run_id="-", task_id="-", map_index=-1, key="-", value=None, now=now)
    xcoms.pull(connection, dag_id="-", run_id="-", task_id="-", key="-")
    task_logs.record(
        connection, dag_id="-", run_id="-", task_id="-", map_index=-1, try_number=-1, path="-", hostname="-", now=now
    )
    previous_runs.previous_success(connection, "-", now)
    rendered_fields.save(
        connection, dag_id="-", run_id="-", task_id="-", map_index=-1, try_number=-1, fields={}, now=now
    )
    transaction.rollback()


def _rehearse_a_task() -> None:
    """Run a tiny templated PythonOperator once, so the lazy imports and caches it needs
    (Jinja's lexer, context building, logging) are filled before any fork."""
    import contextlib
    import io

    from slipstream.operators.python import PythonOperator
    from slipstream.runner.context import DagRunInfo
    from slipstream.runner.task_runner import execute_task
    from slipstream.sdk.dag import DAG

    with DAG("slipstream_warm_up", schedule=None, fileloc=__file__) as dag:
        PythonOperator(task_id="rehearse", python_callable=lambda day: day, op_kwargs={"day": "{{ ds }}"})
    now = utcnow()
    run = DagRunInfo(
        id=0, dag_id=dag.dag_id, run_id="warm-up", run_type="manual", logical_date=now,
        data_interval_start=now, data_interval_end=now,
    )
    with contextlib.redirect_stdout(io.StringIO()):
        execute_task(dag, "rehearse", run, store=None, map_index=-1, try_number=1, max_tries=0)


_zygote_store: list[DirectTryStore] = []


def preload_dag_file(path: str, timeout: float, database_url: str) -> None:
    """In a zygote: open a warm connection for the task processes' store calls, and import the
    DAG file once, quietly and within the parse time limit."""
    db = Database(database_url)
    with db.engine.connect() as connection:
        _exercise_statements(connection)
    _zygote_store.append(DirectTryStore(db))
    configure_task_logging()
    import signal

    from slipstream.dagfiles.airflow_imports import airflow_imports
    from slipstream.dagfiles.loader import load_dag_file_cached
    from slipstream.sdk.templating import dag_environment

    def too_slow(*_: object) -> None:
        raise TimeoutError(f"loading {path} took longer than {timeout:g} s")

    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with airflow_imports():
            loaded = load_dag_file_cached(path)
            for dag in loaded.dags:
                dag_environment(dag)  # each task process would build it again otherwise
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


def serve_store_call(message: tuple[str, dict[str, Any]]) -> tuple[str, Any]:
    """In a zygote: answer one store call of a task process (see ChannelTryStore)."""
    return serve_request(_zygote_store[0], message)
