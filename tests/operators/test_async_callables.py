"""``async def`` task callables run to completion in an event loop, through real task runs:
@task, PythonOperator (also over functools.partial), the branch and short-circuit operators,
and an execution_timeout that stops a coroutine."""

from __future__ import annotations

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.sdk.context import is_async_callable
from slipstream.store import task_instances, xcoms

ASYNC_DAG = """
import asyncio
import functools
from datetime import datetime, timedelta
from airflow.sdk import DAG, task, get_current_context
from airflow.providers.standard.operators.python import (
    BranchPythonOperator, PythonOperator, ShortCircuitOperator,
)
from airflow.providers.standard.operators.empty import EmptyOperator

async def fetch(n, ds=None):
    await asyncio.sleep(0.01)
    return {"n": n, "ds": ds, "run": get_current_context()["run_id"]}

async def scale(value, factor):
    await asyncio.sleep(0)
    return value * factor

async def choose():
    await asyncio.sleep(0)
    return "left"

async def falsy():
    await asyncio.sleep(0)
    return False

async def too_slow():
    await asyncio.sleep(30)

with DAG("async_tasks", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    async def gather_three():
        results = await asyncio.gather(*(asyncio.sleep(0.01, result=i) for i in range(3)))
        return sum(results)

    @task
    async def double(x):
        return x * 2

    total = gather_three()
    double(total)

    PythonOperator(task_id="fetch", python_callable=fetch, op_args=[7])
    PythonOperator(task_id="partial", python_callable=functools.partial(scale, factor=3), op_kwargs={"value": 5})

    branch = BranchPythonOperator(task_id="branch", python_callable=choose)
    branch >> [EmptyOperator(task_id="left"), EmptyOperator(task_id="right")]

    @task.branch
    async def decorated_branch():
        return "picked"

    decorated_branch() >> [EmptyOperator(task_id="picked"), EmptyOperator(task_id="not_picked")]

    ShortCircuitOperator(task_id="short", python_callable=falsy) >> EmptyOperator(task_id="after_short")

    PythonOperator(task_id="slow", python_callable=too_slow, execution_timeout=timedelta(seconds=1))
"""


def test_async_callables_run_to_completion(settings, db, write_dag, parse):
    write_dag("async_tasks.py", ASYNC_DAG)
    parse()
    run = run_dag_to_end(settings, db, "async_tasks", timeout=90)
    with db.read() as session:
        rows = {ti.task_id: ti for ti in task_instances.for_run(session, "async_tasks", run.run_id)}

        def pulled(task_id):
            return xcoms.pull(session, dag_id="async_tasks", run_id=run.run_id, task_id=task_id, key="return_value")

        assert pulled("gather_three") == 3
        assert pulled("double") == 6
        assert pulled("fetch") == {"n": 7, "ds": run.logical_date.strftime("%Y-%m-%d"), "run": run.run_id}
        assert pulled("partial") == 15
        assert pulled("branch") == "left"
        assert pulled("short") is False
    states = {task_id: row.state for task_id, row in rows.items()}
    assert states == {
        "gather_three": "success", "double": "success", "fetch": "success", "partial": "success",
        "branch": "success", "left": "success", "right": "skipped",
        "decorated_branch": "success", "picked": "success", "not_picked": "skipped",
        "short": "success", "after_short": "skipped",
        "slow": "failed",
    }
    assert "AirflowTaskTimeout" in rows["slow"].state_reason
    assert run.state == "failed"


def test_what_counts_as_an_async_callable():
    import functools

    async def coroutine_function(x):
        return x

    class AsyncCallable:
        async def __call__(self):
            return 1

    @functools.wraps(coroutine_function)
    def wrapper(*args):
        return coroutine_function(*args)

    assert is_async_callable(coroutine_function)
    assert is_async_callable(functools.partial(coroutine_function, 1))
    assert is_async_callable(AsyncCallable())
    assert is_async_callable(wrapper)  # unwrapped through __wrapped__
    assert not is_async_callable(lambda: 1)
    assert not is_async_callable(print)
