"""``SmtpNotifier`` (``airflow.providers.smtp.notifications.smtp``): a mail as a task or DAG callback.

``on_failure_callback=SmtpNotifier(to="team@example.com")`` sends, when the callback runs, a mail
whose fields are rendered with the task's context; without ``subject``/``html_content`` a short
default naming the task, the run and the error is used. The mail goes out through the ``[smtp]``
settings, or the ``smtp_conn_id`` connection over them, as ``EmailOperator``'s does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from slipstream.hooks.smtp import SmtpHook
from slipstream.sdk.notifier import BaseNotifier

DEFAULT_SUBJECT = "[Slipstream] {{ ti.dag_id if ti else dag.dag_id }}{{ '.' ~ ti.task_id if ti else '' }}: {{ run_id }}"
DEFAULT_HTML = (
    "<p>DAG <b>{{ dag.dag_id }}</b>, run <b>{{ run_id }}</b>"
    "{% if ti %}, task <b>{{ ti.task_id }}</b> (try {{ ti.try_number }}){% endif %}.</p>"
    "{% if exception %}<p>Error: <code>{{ exception }}</code></p>{% endif %}"
)


class SmtpNotifier(BaseNotifier):
    """Mails ``to`` (and ``cc``/``bcc``) when called as a callback."""

    template_fields = (
        "from_email", "to", "subject", "html_content", "files", "cc", "bcc", "mime_subtype", "mime_charset",
        "custom_headers", "smtp_conn_id",
    )

    def __init__(
        self,
        to: str | Iterable[str],
        from_email: str | None = None,
        subject: str | None = None,
        html_content: str | None = None,
        files: list[str] | None = None,
        cc: str | Iterable[str] | None = None,
        bcc: str | Iterable[str] | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        custom_headers: dict[str, Any] | None = None,
        smtp_conn_id: str | None = None,
        auth_type: str = "basic",
        *,
        template: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.to, self.from_email, self.files, self.cc, self.bcc = to, from_email, files, cc, bcc
        self.subject = subject if subject is not None else DEFAULT_SUBJECT
        if html_content is None and template is not None:
            html_content = Path(template).read_text()
        self.html_content = html_content if html_content is not None else DEFAULT_HTML
        self.mime_subtype, self.mime_charset, self.custom_headers = mime_subtype, mime_charset, custom_headers
        self.smtp_conn_id = smtp_conn_id or SmtpHook.default_conn_name
        self.auth_type = auth_type

    def render_template_fields(self, context: Mapping[str, Any], jinja_env: Any = None) -> None:
        # The defaults name the task; a DAG callback's context has no ti, so it is given as None.
        super().render_template_fields({"ti": None, "exception": None, **context}, jinja_env)

    def notify(self, context: Mapping[str, Any]) -> None:
        SmtpHook(self.smtp_conn_id).send_email_smtp(
            to=self.to, subject=self.subject, html_content=self.html_content, from_email=self.from_email,
            files=self.files, cc=self.cc, bcc=self.bcc, mime_subtype=self.mime_subtype,
            mime_charset=self.mime_charset, custom_headers=self.custom_headers,
        )


def send_smtp_notification(**kwargs: Any) -> SmtpNotifier:
    """Airflow's function spelling: ``on_failure_callback=send_smtp_notification(to=...)``."""
    return SmtpNotifier(**kwargs)
