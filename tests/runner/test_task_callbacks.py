"""A try the scheduler fails (here: its process SIGKILLs itself) still gets the task's retry or
failure callback and alert mail, run in a process of their own, with the reason as the exception."""

from __future__ import annotations

import json
import os

from test_email_alerts import body_of, smtp_server  # noqa: F401 - the fixture, shared

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances
from slipstream.store.log_paths import log_path

KILLED = """
import json, os
from datetime import datetime, timedelta
from slipstream import DAG, PythonOperator

OUT = {out!r}

def note(context):
    with open(OUT, "a") as out:
        out.write(json.dumps({{
            "task": context["ti"].task_id, "try": context["ti"].try_number, "run_id": context["run_id"],
            "exception": f"{{type(context['exception']).__name__}}: {{context['exception']}}",
            "pid": os.getpid(),
        }}) + "\\n")

def die():
    os.kill(os.getpid(), 9)

args = dict(email=["oncall@company.com"], email_on_failure=True, email_on_retry=True,
            retry_delay=timedelta(seconds=0), on_failure_callback=note, on_retry_callback=note)

with DAG("killed", start_date=datetime(2024, 1, 1), schedule=None, default_args=args) as dag:
    PythonOperator(task_id="dies_twice", python_callable=die, retries=1)
    PythonOperator(task_id="dies_once", python_callable=die, retries=0)
"""


def test_a_killed_try_gets_its_retry_then_failure_callback_and_mails(settings, db, write_dag, parse, smtp_server,  # noqa: F811
                                                                      tmp_path):
    handler, port = smtp_server
    settings = settings.replace(smtp_host="127.0.0.1", smtp_port=port, smtp_mail_from="slipstream@example.org")
    out = tmp_path / "callbacks.jsonl"
    write_dag("killed.py", KILLED.format(out=str(out)))
    parse()
    run = run_dag_to_end(settings, db, "killed", timeout=120)
    assert run.state == "failed"
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "killed", run.run_id)}
    assert {t: (r.state, r.try_number) for t, r in rows.items()} == {"dies_twice": ("failed", 2), "dies_once": ("failed", 1)}

    notes = [json.loads(line) for line in out.read_text().splitlines()]
    assert os.getpid() not in {n["pid"] for n in notes}, "user code never runs in the scheduler"
    calls = sorted((n["task"], n["try"], n["exception"]) for n in notes)
    reason = "The task process ended without reporting a result (killed by signal SIGKILL)"
    assert calls == [
        ("dies_once", 1, f"TaskFailedByScheduler: {reason}"),
        ("dies_twice", 1, f"TaskFailedByScheduler: {reason}"),
        ("dies_twice", 2, f"TaskFailedByScheduler: {reason}"),
    ]

    subjects = sorted(message["Subject"] for _, message in handler.messages)
    assert subjects == sorted([
        f"Airflow alert: <TaskInstance: killed.dies_once {run.run_id} [failed]>",
        f"Airflow alert: <TaskInstance: killed.dies_twice {run.run_id} [up_for_retry]>",
        f"Airflow alert: <TaskInstance: killed.dies_twice {run.run_id} [failed]>",
    ])
    for rcpt_tos, message in handler.messages:
        assert rcpt_tos == ["oncall@company.com"]
        assert reason in body_of(message)

    retry_log = log_path(settings.base_log_folder, "killed", run.run_id, "dies_twice", -1, 1).read_text()
    assert "The scheduler set this try to up_for_retry" in retry_log
    assert "Sent alert email to oncall@company.com" in retry_log
