"""Runs for the task instance API tests: a DAG written, parsed and run to its end by the module's
real scheduler."""

from __future__ import annotations

import time
from typing import Any

from slipstream.dagfiles.manual_runs import trigger_dag
from slipstream.store import dag_runs

TIS = "/api/v2/dags/{dag_id}/dagRuns/{run_id}/taskInstances"

# ok -> bad -> after; ok -> mapped[3]; `push` returns a value and pushes under a sensitive key.
DAG_SOURCE = """
import pendulum
from airflow import DAG
from airflow.decorators import task

with DAG("{dag_id}", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
    @task
    def ok():
        print("ok ran")
        return 1

    @task(retries={retries})
    def bad():
        print("bad ran")
        raise ValueError("bad is bad")

    @task
    def after():
        return 2

    @task
    def mapped(x):
        return x * 10

    @task
    def push(ti=None):
        ti.xcom_push(key="api_password", value="hunter2")
        return dict(a=[1, 2])

    first = ok()
    first >> bad() >> after()
    first >> mapped.expand(x=[1, 2, 3])
    push()
"""


def write_and_parse(api: Any, dag_id: str, source: str) -> None:
    api.write_dag(f"{dag_id}.py", source.replace("{dag_id}", dag_id))
    api.parse()


def run(api: Any, dag_id: str, *, timeout: float = 60, wait: bool = True) -> str:
    """Trigger a run, wake the module's scheduler and (with ``wait``) wait for the run to finish; its run id."""
    api.start_scheduler()
    created = trigger_dag(api.db, dag_id)
    api.ctx.notify("dag_run")
    if wait:
        wait_for_run(api, dag_id, created.run_id, timeout)
    return created.run_id


def wait_for_run(api: Any, dag_id: str, run_id: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with api.db.read() as session:
            state = dag_runs.state_of(session, dag_id, run_id)
        if state in ("success", "failed"):
            return state
        time.sleep(0.05)
    raise AssertionError(f"run {run_id} of {dag_id} did not finish in {timeout}s (state {state})")


def ran_dag(api: Any, retries: int = 0) -> tuple[str, str]:
    """A DAG of DAG_SOURCE run once to its end (failed: `bad` fails): (dag_id, run_id)."""
    dag_id = api.unique("tis")
    write_and_parse(api, dag_id, DAG_SOURCE.replace("{retries}", str(retries)))
    return dag_id, run(api, dag_id)
