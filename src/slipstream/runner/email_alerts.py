"""Alert mails of a task (``email_on_failure``, ``email_on_retry``) through the ``[smtp]`` settings.

Like Airflow's ``airflow.utils.email``: the subject is ``Airflow alert: <TaskInstance: ...>``
and the HTML body has the try number, the exception, the host and the log's location. Only the
standard library is used (``smtplib``, ``email.message``).
"""

from __future__ import annotations

import html
import re
import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any

from slipstream.config import Settings
from slipstream.store.states import TaskInstanceState as TI


@dataclass(frozen=True)
class TryInfo:
    """What an alert says about the try that ended."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int
    try_number: int
    max_tries: int
    hostname: str
    log_path: str


def email_addresses(email: str | Iterable[str] | None) -> list[str]:
    """A task's ``email``: one address, several separated by commas or semicolons, or a list."""
    if not email:
        return []
    items = [email] if isinstance(email, str) else list(email)
    return [part.strip() for item in items for part in re.split(r"[,;]", str(item)) if part.strip()]


def recipients_for(task: Any, state: str) -> list[str]:
    """The addresses to mail after a try of ``task`` ended in ``state`` (empty: no mail)."""
    wanted = {TI.FAILED.value: "email_on_failure", TI.UP_FOR_RETRY.value: "email_on_retry"}.get(state)
    if wanted is None or not getattr(task, wanted, False):
        return []
    return email_addresses(getattr(task, "email", None))


def alert_for(task: Any, ti: TryInfo, state: str, exception: str | BaseException | None) -> tuple[str, str]:
    """Subject and HTML body of the alert for a try of ``task`` that ended in ``state``."""
    mapped = f" map_index={ti.map_index}" if ti.map_index >= 0 else ""
    subject = f"Airflow alert: <TaskInstance: {ti.dag_id}.{ti.task_id} {ti.run_id}{mapped} [{state}]>"
    error = html.escape(str(exception) if exception is not None else "").replace("\n", "<br>")
    body = (
        f"Try {ti.try_number} out of {ti.max_tries + 1}<br>\n"
        f"Exception:<br>{error}<br>\n"
        f"Log: {html.escape(ti.log_path)}<br>\n"
        f"Host: {html.escape(ti.hostname)}<br>\n"
        f"Task: {html.escape(ti.dag_id)}.{html.escape(ti.task_id)} ({html.escape(type(task).__name__)}), "
        f"run {html.escape(ti.run_id)}, state {html.escape(state)}<br>\n"
    )
    return subject, body


def send_email(settings: Settings, to: str | Iterable[str], subject: str, html_content: str) -> None:
    """Send one HTML mail through the configured SMTP server; raises what smtplib raises.

    A connection the server drops at once is tried again, up to ``smtp_retry_limit`` times."""
    recipients = email_addresses(to)
    if not recipients:
        raise ValueError("no recipient address")
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.smtp_mail_from
    message["To"] = ", ".join(recipients)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid()
    message.set_content(re.sub(r"<[^>]+>", "", html_content))
    message.add_alternative(html_content, subtype="html")
    attempts = max(settings.smtp_retry_limit, 1)
    for attempt in range(1, attempts + 1):
        try:
            connection = _connect(settings)
        except smtplib.SMTPServerDisconnected:
            if attempt == attempts:
                raise
            continue
        with connection:
            if settings.smtp_starttls:
                connection.starttls(context=ssl.create_default_context())
            if settings.smtp_user and settings.smtp_password:
                connection.login(settings.smtp_user, settings.smtp_password)
            connection.send_message(message, from_addr=settings.smtp_mail_from, to_addrs=recipients)
        return


def _connect(settings: Settings) -> smtplib.SMTP:
    if settings.smtp_ssl:
        return smtplib.SMTP_SSL(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout,
            context=ssl.create_default_context(),
        )
    return smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout)
