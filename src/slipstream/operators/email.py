"""``EmailOperator``: send an HTML mail, through the ``[smtp]`` settings task alerts use.

With ``conn_id`` the SMTP connection's host, port, login, password and extra (``from_email``,
``disable_ssl``, ``disable_tls``, ``timeout``, ``retry_limit``) take over from the settings.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slipstream.hooks.smtp import SmtpHook, send_email_smtp
from slipstream.sdk.baseoperator import BaseOperator


class EmailOperator(BaseOperator):
    """Mail ``html_content`` (or a ``.html`` template file) to ``to``, ``cc`` and ``bcc``, with ``files`` attached."""

    template_fields: Sequence[str] = (
        "to", "from_email", "subject", "html_content", "files", "cc", "bcc", "mime_subtype", "mime_charset",
        "conn_id", "custom_headers",
    )
    template_fields_renderers = {"html_content": "html"}
    template_ext: Sequence[str] = (".html",)
    ui_color = "#e6faf9"

    def __init__(
        self,
        *,
        to: str | list[str],
        subject: str,
        html_content: str,
        files: list[str] | None = None,
        cc: str | list[str] | None = None,
        bcc: str | list[str] | None = None,
        mime_subtype: str = "mixed",
        mime_charset: str = "utf-8",
        conn_id: str | None = None,
        from_email: str | None = None,
        custom_headers: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to = to
        self.subject = subject
        self.html_content = html_content
        self.files = files or []
        self.cc = cc
        self.bcc = bcc
        self.mime_subtype = mime_subtype
        self.mime_charset = mime_charset
        self.conn_id = conn_id
        self.from_email = from_email
        self.custom_headers = custom_headers

    def execute(self, context: Mapping[str, Any]) -> None:
        params = SmtpHook(self.conn_id).params()
        self.log.info("Sending email %r to %s through %s:%s", self.subject, self.to, params.host, params.port)
        send_email_smtp(
            params, self.to, self.subject, self.html_content, from_email=self.from_email,
            files=self.files, cc=self.cc, bcc=self.bcc, mime_subtype=self.mime_subtype,
            mime_charset=self.mime_charset, custom_headers=self.custom_headers,
        )
