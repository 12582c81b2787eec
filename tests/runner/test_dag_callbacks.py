"""A DAG's on_success_callback and on_failure_callback run in a process when a run ends."""

from __future__ import annotations

import json
import time

from slipstream.scheduler.run_to_end import run_dag_to_end

DAG_FILE = """
import json
from datetime import datetime
from slipstream import DAG, PythonOperator

OUT = {out!r}

def record(kind):
    def callback(context):
        with open(OUT, "a") as handle:
            handle.write(json.dumps({{"kind": kind, "reason": context["reason"], "run": context["run_id"],
                                     "task": context["ti"].task_id}}) + "\\n")
    return callback

def fail():
    raise RuntimeError("broken")

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None,
         on_success_callback=record("success"), on_failure_callback=record("failure")) as dag:
    PythonOperator(task_id="step", python_callable={callable})
"""


def wait_for_lines(path, count: int, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            break
        time.sleep(0.05)
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_success_and_failure_callbacks_of_the_dag(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "dag_callbacks.jsonl"
    write_dag("good.py", DAG_FILE.format(out=str(out), dag_id="good", callable="lambda: None"))
    write_dag("bad.py", DAG_FILE.format(out=str(out), dag_id="bad", callable="fail"))
    parse()
    good = run_dag_to_end(settings, db, "good", timeout=60)
    bad = run_dag_to_end(settings, db, "bad", timeout=60)
    calls = {c["run"]: c for c in wait_for_lines(out, 2)}
    assert calls[good.run_id] == {"kind": "success", "reason": "success", "run": good.run_id, "task": "step"}
    assert calls[bad.run_id] == {"kind": "failure", "reason": "task_failure", "run": bad.run_id, "task": "step"}
