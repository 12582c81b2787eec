"""Alert mails of a task (``email_on_failure``, ``email_on_retry``) through the ``[smtp]`` settings.

Like Airflow's: the subject is ``Airflow alert: <TaskInstance: ...>`` and the HTML body has the
try number, the exception, the host and the log's location. The mail goes out through
``slipstream.hooks.smtp``, which EmailOperator uses too.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from slipstream.config import Settings
from slipstream.hooks.smtp import SmtpParams, get_email_address_list, send_email_smtp
from slipstream.store.states import TaskInstanceState as TI

log = logging.getLogger("slipstream.runner")


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


email_addresses = get_email_address_list


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


def send_alert(
    settings: Settings, task: Any, ti: TryInfo, state: str, exception: str | BaseException | None
) -> bool:
    """Mail the alert for a try of ``task`` that ended in ``state`` to its addresses, if it wants
    one; a mail that cannot be sent is reported in the log and changes nothing else. True if sent."""
    to = recipients_for(task, state)
    if not to:
        return False
    subject, body = alert_for(task, ti, state, exception)
    try:
        send_email(settings, to, subject, body)
    except Exception as err:  # noqa: BLE001 - a mail that fails must not change the try's outcome
        log.error(
            "Failed to send email to %s through %s:%s: %s: %s",
            ", ".join(to), settings.smtp_host, settings.smtp_port, type(err).__name__, err,
        )
        return False
    log.info("Sent alert email to %s", ", ".join(to))
    return True


def send_email(settings: Settings, to: str | Iterable[str], subject: str, html_content: str) -> None:
    """Send one HTML mail through the ``[smtp]`` settings; raises what smtplib raises."""
    send_email_smtp(SmtpParams.from_settings(settings), to, subject, html_content)
