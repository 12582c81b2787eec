"""email_on_failure / email_on_retry: alert mails through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances
from slipstream.store.log_paths import log_path


class Collector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler, controller.port
    controller.stop()


def body_of(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html", "plain")).get_content()


def task_log(settings, run, task_id: str, try_number: int) -> str:
    return log_path(settings.base_log_folder, run.dag_id, run.run_id, task_id, -1, try_number).read_text()


def states(db, run) -> dict[str, str]:
    with db.read() as session:
        return {r.task_id: r.state for r in task_instances.for_run(session, run.dag_id, run.run_id)}


ALERTS = """
from datetime import datetime, timedelta
from slipstream import DAG, PythonOperator

def fail():
    raise RuntimeError("the warehouse is on fire")

args = dict(email=["alerts@company.com"], email_on_failure=True, email_on_retry=True,
            retries=1, retry_delay=timedelta(seconds=0))

with DAG("alerts", start_date=datetime(2024, 1, 1), schedule=None, default_args=args) as dag:
    PythonOperator(task_id="works", python_callable=lambda: 1)
    PythonOperator(task_id="breaks", python_callable=fail)
"""


def test_a_retry_mail_then_a_failure_mail_and_nothing_for_a_success(settings, db, write_dag, parse, smtp_server):
    handler, port = smtp_server
    settings = settings.replace(smtp_host="127.0.0.1", smtp_port=port, smtp_mail_from="slipstream@example.org")
    write_dag("alerts.py", ALERTS)
    parse()
    run = run_dag_to_end(settings, db, "alerts", timeout=60)
    assert run.state == "failed"
    assert states(db, run) == {"works": "success", "breaks": "failed"}

    assert len(handler.messages) == 2
    by_state = {}
    for rcpt_tos, message in handler.messages:
        assert rcpt_tos == ["alerts@company.com"]
        assert message["To"] == "alerts@company.com"
        assert message["From"] == "slipstream@example.org"
        assert "works" not in message["Subject"]
        state = message["Subject"].rsplit("[", 1)[1].rstrip("]>")
        by_state[state] = message
    assert set(by_state) == {"up_for_retry", "failed"}
    retry, failure = by_state["up_for_retry"], by_state["failed"]
    assert retry["Subject"] == f"Airflow alert: <TaskInstance: alerts.breaks {run.run_id} [up_for_retry]>"
    assert failure["Subject"] == f"Airflow alert: <TaskInstance: alerts.breaks {run.run_id} [failed]>"
    for message, try_number in ((retry, 1), (failure, 2)):
        body = body_of(message)
        assert f"Try {try_number} out of 2" in body
        assert "RuntimeError: the warehouse is on fire" in body
        assert str(log_path(settings.base_log_folder, "alerts", run.run_id, "breaks", -1, try_number)) in body
    assert "Sent alert email to alerts@company.com" in task_log(settings, run, "breaks", 2)


def test_an_unreachable_smtp_server_changes_nothing_but_the_log(settings, db, write_dag, parse):
    settings = settings.replace(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout=5)  # nothing listens
    write_dag("alerts.py", ALERTS)
    parse()
    run = run_dag_to_end(settings, db, "alerts", timeout=60)
    assert run.state == "failed"
    assert states(db, run) == {"works": "success", "breaks": "failed"}
    for try_number in (1, 2):
        text = task_log(settings, run, "breaks", try_number)
        assert "Failed to send email to alerts@company.com" in text
        assert "ConnectionRefusedError" in text


def test_no_mail_without_the_flags_or_an_address(settings, db, write_dag, parse, smtp_server):
    handler, port = smtp_server
    settings = settings.replace(smtp_host="127.0.0.1", smtp_port=port)
    write_dag("quiet.py", """
        from datetime import datetime
        from slipstream import DAG, PythonOperator

        def fail():
            raise RuntimeError("quietly")

        with DAG("quiet", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            PythonOperator(task_id="no_address", python_callable=fail)
            PythonOperator(task_id="flag_off", python_callable=fail, email="a@b.c", email_on_failure=False)
    """)
    parse()
    run = run_dag_to_end(settings, db, "quiet", timeout=60)
    assert states(db, run) == {"no_address": "failed", "flag_off": "failed"}
    assert handler.messages == []


def test_production_etl_v2_fixed_mails_alerts_when_a_task_fails_for_good(
    settings, db, write_dag, parse, smtp_server, seed_dags
):
    """The seed DAG with its default_args unchanged; only `validate` (retries=0) now fails."""
    handler, port = smtp_server
    settings = settings.replace(smtp_host="127.0.0.1", smtp_port=port)
    source = (seed_dags / "fixed" / "seed003_production_etl_v2_fixed.py").read_text()
    failing = source.replace('print("Validating data...")', 'raise ValueError("12 rows without a customer id")')
    assert failing != source
    write_dag("seed003_production_etl_v2_fixed.py", failing)
    parse()
    run = run_dag_to_end(settings, db, "production_etl_v2_fixed", timeout=60)
    assert run.state == "failed"
    assert states(db, run) == {
        "extract_load.extract": "success", "extract_load.validate": "failed", "transform": "upstream_failed",
    }
    assert len(handler.messages) == 1
    rcpt_tos, message = handler.messages[0]
    assert rcpt_tos == ["alerts@company.com"]
    assert message["Subject"] == (
        f"Airflow alert: <TaskInstance: production_etl_v2_fixed.extract_load.validate {run.run_id} [failed]>"
    )
    body = body_of(message)
    assert "Try 1 out of 1" in body
    assert "ValueError: 12 rows without a customer id" in body
