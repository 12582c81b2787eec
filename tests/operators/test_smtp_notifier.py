"""SmtpNotifier as a task's and a DAG's failure callback, mailing a real SMTP server."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from local_servers import smtp_server

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]

NOTIFIED_DAG = '''
from datetime import datetime

from airflow.providers.smtp.notifications.smtp import SmtpNotifier, send_smtp_notification
from airflow.sdk import DAG, task

with DAG(
    "notified", start_date=datetime(2024, 1, 1), schedule=None,
    on_failure_callback=send_smtp_notification(to="lead@example.com", subject="DAG {{ dag.dag_id }} failed"),
):

    @task(on_failure_callback=SmtpNotifier(to=["team@example.com"], from_email="slipstream@example.com"))
    def breaks():
        raise ValueError("the numbers do not add up")

    breaks()
'''


def test_task_and_dag_failures_are_mailed(home: Path) -> None:
    (home / "dags" / "notified.py").write_text(textwrap.dedent(NOTIFIED_DAG))
    with smtp_server() as (collector, port):
        env = {
            **os.environ, "SLIPSTREAM__CORE__LOAD_EXAMPLES": "false", "SLIPSTREAM__SMTP__SMTP_HOST": "127.0.0.1",
            "SLIPSTREAM__SMTP__SMTP_PORT": str(port),
        }
        done = subprocess.run([*SLIPSTREAM, "dags", "test", "notified"], capture_output=True, text=True,
                              timeout=120, env=env)
        messages = list(collector.messages)
    assert done.returncode == 1, done.stdout + done.stderr
    by_recipient = {tuple(rcpt): (sender, message) for sender, rcpt, message in messages}
    assert set(by_recipient) == {("team@example.com",), ("lead@example.com",)}, messages
    sender, task_mail = by_recipient[("team@example.com",)]
    assert sender == "slipstream@example.com"
    assert task_mail["Subject"].startswith("[Slipstream] notified.breaks: manual__")
    body = task_mail.get_body(("html",)).get_content()
    assert "the numbers do not add up" in body and "<b>breaks</b>" in body
    assert by_recipient[("lead@example.com",)][1]["Subject"] == "DAG notified failed"
