"""EmailOperator and airflow.utils.email.send_email in a DAG file run by the scheduler, against aiosmtpd."""

from __future__ import annotations

import json

import pytest
from local_servers import smtp_server

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

EMAIL_DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.email import EmailOperator
from airflow.providers.smtp.operators.smtp import EmailOperator as ProviderEmailOperator
from airflow.operators.python import PythonOperator
from airflow.utils.email import send_email

with DAG("mails", start_date=datetime(2024, 1, 1), schedule=None, params={"team": "data"}) as dag:
    EmailOperator(
        task_id="report", to=["{{ params.team }}@example.org"], cc="boss@example.org", bcc="audit@example.org",
        subject="Report for {{ ds }}", html_content="report.html", files=["{{ params.attachment }}"],
    )
    ProviderEmailOperator(task_id="via_conn", conn_id="mailer", to="ops@example.org", subject="via conn",
                          html_content="<p>hi</p>")
    EmailOperator(task_id="bad_conn", conn_id="no_such_mailer", to="ops@example.org", subject="x", html_content="x")
    PythonOperator(task_id="util", python_callable=lambda: send_email("util@example.org", "from utils", "<i>u</i>"))
"""


@pytest.fixture
def smtp(monkeypatch):
    with smtp_server() as (handler, port):
        monkeypatch.setenv("SLIPSTREAM__SMTP__SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("SLIPSTREAM__SMTP__SMTP_PORT", str(port))
        monkeypatch.setenv("SLIPSTREAM__SMTP__SMTP_MAIL_FROM", "slipstream@example.org")
        monkeypatch.setenv("AIRFLOW_CONN_MAILER", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": port,
            "extra": {"from_email": "mailer@example.org", "disable_ssl": True, "disable_tls": True},
        }))
        yield handler


def test_email_operators_send_through_the_smtp_settings_or_a_connection(settings, db, write_dag, parse, smtp,
                                                                       tmp_path):
    attachment = tmp_path / "numbers.csv"
    attachment.write_text("1,2,3\n")
    write_dag("mails.py", EMAIL_DAG)
    write_dag("report.html", "<h1>Report {{ ds }}</h1><p>run {{ run_id }}</p>")
    parse()
    run = run_dag_to_end(settings, db, "mails", conf={"attachment": str(attachment)}, timeout=90)
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "mails", run.run_id)}
    assert {k: r.state for k, r in rows.items()} == {
        "report": "success", "via_conn": "success", "util": "success", "bad_conn": "failed"
    }
    assert "SMTP connection 'no_such_mailer' isn't defined" in rows["bad_conn"].state_reason
    ds = run.logical_date.strftime("%Y-%m-%d")
    by_subject = {message["Subject"]: (sender, rcpt, message) for sender, rcpt, message in smtp.messages}
    assert set(by_subject) == {f"Report for {ds}", "via conn", "from utils"}

    sender, rcpt, report = by_subject[f"Report for {ds}"]
    assert sender == "slipstream@example.org"
    assert rcpt == ["data@example.org", "boss@example.org", "audit@example.org"]
    html, csv = list(report.iter_parts())
    assert html.get_content() == f"<h1>Report {ds}</h1><p>run {run.run_id}</p>"
    assert csv.get_filename() == "numbers.csv" and csv.get_content() == b"1,2,3\n"

    assert by_subject["via conn"][:2] == ("mailer@example.org", ["ops@example.org"])
    assert by_subject["from utils"][:2] == ("slipstream@example.org", ["util@example.org"])
