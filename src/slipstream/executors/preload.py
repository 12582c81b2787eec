"""What the fork server and its zygotes do before they fork task processes.

The fork server rehearses a task once, so the caches a task process needs are full before any
fork. A zygote (one per DAG file and core) imports its DAG file. Neither touches the database,
nor imports SQLAlchemy: the store service answers the task processes' store calls (see
``store_service``), so what every task process is forked from stays small.
"""

from __future__ import annotations

import os
import sys

from slipstream.runner.task_logging import configure_task_logging
from slipstream.store.clock import utcnow


def rehearse() -> None:
    """In the fork server: run a tiny templated PythonOperator once, so the lazy imports and
    caches it needs (Jinja's lexer, context building, logging) are filled before any fork."""
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


def preload_dag_file(path: str, timeout: float) -> None:
    """In a zygote: import the DAG file once, quietly and within the parse time limit."""
    configure_task_logging()
    import signal

    from slipstream.dagfiles.airflow_imports import airflow_imports
    from slipstream.dagfiles.loader import load_dag_file_cached
    from slipstream.executors.workload_json import file_hash
    from slipstream.sdk.context import parameters_of
    from slipstream.sdk.mapping import mapped_consumers
    from slipstream.sdk.templating import dag_environment

    def too_slow(*_: object) -> None:
        raise TimeoutError(f"loading {path} took longer than {timeout:g} s")

    file_hash(path)  # cached here: each task process checks the file's version with one stat, not a read

    saved = os.dup(1)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with airflow_imports():
            loaded = load_dag_file_cached(path)
            for dag in loaded.dags:  # what each task process would otherwise work out again
                dag_environment(dag)
                mapped_consumers(dag)
                for task in dag.tasks:
                    if callable(getattr(task, "python_callable", None)):
                        parameters_of(task.python_callable)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
