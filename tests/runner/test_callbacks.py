"""Task callbacks run in the task process with the context, one per outcome."""

from __future__ import annotations

import json

from slipstream.scheduler.run_to_end import run_dag_to_end

CALLBACKS = """
import json
from datetime import datetime, timedelta
from slipstream import DAG, PythonOperator, AirflowSkipException

OUT = {out!r}

def record(kind):
    def callback(context):
        error = context.get("exception")
        with open(OUT, "a") as handle:
            handle.write(json.dumps({{
                "kind": kind, "task": context["ti"].task_id, "try": context["ti"].try_number,
                "error": repr(error) if error else None, "ds": context.get("ds"),
            }}) + "\\n")
    return callback

def broken(context):
    raise ValueError("a broken callback")

def fail():
    raise RuntimeError("boom")

def skip():
    raise AirflowSkipException("not today")

callbacks = dict(
    on_execute_callback=record("execute"), on_success_callback=[record("success"), broken],
    on_failure_callback=record("failure"), on_retry_callback=record("retry"), on_skipped_callback=record("skipped"),
)

with DAG("callbacks", start_date=datetime(2024, 1, 1), schedule=None, default_args=callbacks) as dag:
    PythonOperator(task_id="works", python_callable=lambda: 1)
    PythonOperator(task_id="fails", python_callable=fail, retries=1, retry_delay=timedelta(seconds=0))
    PythonOperator(task_id="skips", python_callable=skip)
"""


def test_each_outcome_calls_its_callback_with_the_context(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "callbacks.jsonl"
    write_dag("callbacks.py", CALLBACKS.format(out=str(out)))
    parse()
    run = run_dag_to_end(settings, db, "callbacks", timeout=60)
    calls = [json.loads(line) for line in out.read_text().splitlines()]
    seen = {(c["task"], c["kind"], c["try"]) for c in calls}
    assert ("works", "execute", 1) in seen and ("works", "success", 1) in seen
    assert ("fails", "retry", 1) in seen and ("fails", "failure", 2) in seen
    assert ("skips", "skipped", 1) in seen
    failure = next(c for c in calls if c["kind"] == "failure")
    assert "RuntimeError('boom')" in failure["error"]
    assert all(c["ds"] == run.logical_date.strftime("%Y-%m-%d") for c in calls)
    assert run.state == "failed"  # 'fails' is a leaf; the broken success callback changed nothing
