"""Sending mail (slipstream.hooks.smtp) through a real aiosmtpd server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from local_servers import free_port, smtp_server

from slipstream.dagfiles.store_secrets import StoreSecrets
from slipstream.hooks.smtp import SmtpHook, SmtpParams, get_email_address_list, send_email_smtp
from slipstream.sdk.exceptions import AirflowNotFoundException
from slipstream.sdk.secrets import secrets_provider


@pytest.fixture
def smtp():
    with smtp_server() as (handler, port):
        yield handler, port


def params(port: int, **changes) -> SmtpParams:
    base = dict(host="127.0.0.1", port=port, starttls=False, ssl=False, user="", password="",
                mail_from="from@example.org", timeout=5, retry_limit=2)
    return SmtpParams(**{**base, **changes})


def test_addresses_split_on_commas_and_semicolons():
    assert get_email_address_list("a@x.org, b@x.org;c@x.org") == ["a@x.org", "b@x.org", "c@x.org"]
    assert get_email_address_list(["a@x.org", "b@x.org; c@x.org"]) == ["a@x.org", "b@x.org", "c@x.org"]
    assert get_email_address_list(None) == []


def test_an_html_mail_with_cc_bcc_and_attachments(smtp, tmp_path):
    handler, port = smtp
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    send_email_smtp(
        params(port), "to@example.org", "Daily report", "<b>done</b>", files=[str(report)],
        cc="cc1@example.org; cc2@example.org", bcc=["hidden@example.org"], custom_headers={"X-Run": "r1"},
    )
    [(mail_from, rcpt_tos, message)] = handler.messages
    assert mail_from == "from@example.org"
    assert rcpt_tos == ["to@example.org", "cc1@example.org", "cc2@example.org", "hidden@example.org"]
    assert message["To"] == "to@example.org"
    assert message["Cc"] == "cc1@example.org, cc2@example.org"
    assert message["Bcc"] is None
    assert message["X-Run"] == "r1"
    assert message.get_content_type() == "multipart/mixed"
    html, attachment = list(message.iter_parts())
    assert html.get_content_type() == "text/html" and html.get_content() == "<b>done</b>"
    assert attachment.get_filename() == "report.csv"
    assert attachment.get_content() == b"a,b\n1,2\n"


def test_errors_say_what_is_missing(smtp, tmp_path):
    _, port = smtp
    with pytest.raises(ValueError, match="no recipient address"):
        send_email_smtp(params(port), "", "s", "b")
    with pytest.raises(FileNotFoundError, match="Cannot attach .*nothing.txt.* no such file"):
        send_email_smtp(params(port), "a@x.org", "s", "b", files=[str(tmp_path / "nothing.txt")])


def test_the_hook_uses_the_settings_and_a_connection_over_them(smtp, settings, db, monkeypatch):
    handler, port = smtp
    settings = settings.replace(smtp_host="127.0.0.1", smtp_port=port, smtp_mail_from="settings@example.org")
    with SmtpHook(settings=settings) as hook:  # no smtp_default connection: the settings alone
        hook.send_email_smtp(to="a@example.org", subject="one", html_content="1")
    monkeypatch.setenv("AIRFLOW_CONN_MAILER", json.dumps({
        "conn_type": "smtp", "host": "127.0.0.1", "port": port,
        "extra": {"from_email": "conn@example.org", "disable_ssl": True, "disable_tls": True},
    }))
    SmtpHook("mailer", settings=settings.replace(smtp_port=free_port())).send_email_smtp(
        to="b@example.org", subject="two", html_content="2"
    )
    assert [(m[0], m[2]["Subject"]) for m in handler.messages] == [
        ("settings@example.org", "one"), ("conn@example.org", "two")
    ]
    with secrets_provider(StoreSecrets(db)), pytest.raises(AirflowNotFoundException,
                                                           match="SMTP connection 'nope' isn't defined: create it"):
        SmtpHook("nope", settings=settings).params()
    with_ssl = SmtpHook("mailer", settings=settings)
    monkeypatch.setenv("AIRFLOW_CONN_MAILER", "smtp://u:p@mail.example.org:465")
    assert (with_ssl.params().ssl, with_ssl.params().starttls, with_ssl.params().user) == (True, False, "u")
