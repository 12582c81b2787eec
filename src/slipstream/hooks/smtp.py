"""Sending mail: the ``[smtp]`` settings, optionally overridden by an SMTP connection.

One implementation serves task alert mails (``runner/email_alerts.py``), ``EmailOperator``,
``SmtpHook`` and ``airflow.utils.email.send_email``. A connection gives host, port, login and
password, and in its extra, as Airflow's SMTP connections do: ``from_email``, ``disable_ssl``
and ``disable_tls`` (SSL is on unless disabled; STARTTLS is used when SSL is off, unless
disabled), ``timeout`` and ``retry_limit``. Where no settings are handed over (inside a task),
they are read from ``$SLIPSTREAM_HOME`` and the environment when a mail is sent.
"""

from __future__ import annotations

import os
import re
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid
from typing import Any

from slipstream.config import Settings
from slipstream.hooks.base import BaseHook
from slipstream.sdk.connection import Connection
from slipstream.sdk.exceptions import AirflowNotFoundException
from slipstream.sdk.secrets import SecretsUnavailable


def get_email_address_list(addresses: str | Iterable[str] | None) -> list[str]:
    """One address, several separated by commas or semicolons, or a list of them."""
    if not addresses:
        return []
    items = [addresses] if isinstance(addresses, str) else list(addresses)
    return [part.strip() for item in items for part in re.split(r"[,;]", str(item)) if part.strip()]


def _flag(value: Any) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class SmtpParams:
    """Where and how a mail is sent."""

    host: str
    port: int
    starttls: bool
    ssl: bool
    user: str
    password: str
    mail_from: str
    timeout: float
    retry_limit: int

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpParams:
        return cls(
            host=settings.smtp_host, port=settings.smtp_port, starttls=settings.smtp_starttls, ssl=settings.smtp_ssl,
            user=settings.smtp_user, password=settings.smtp_password, mail_from=settings.smtp_mail_from,
            timeout=settings.smtp_timeout, retry_limit=settings.smtp_retry_limit,
        )

    def with_connection(self, connection: Connection) -> SmtpParams:
        extra = connection.extra_dejson
        use_ssl = not _flag(extra.get("disable_ssl", False))
        return replace(
            self,
            host=connection.host or self.host,
            port=connection.port or self.port,
            user=connection.login if connection.login is not None else self.user,
            password=connection.password if connection.password is not None else self.password,
            mail_from=extra.get("from_email") or self.mail_from,
            ssl=use_ssl,
            starttls=not use_ssl and not _flag(extra.get("disable_tls", False)),
            timeout=float(extra.get("timeout", self.timeout)),
            retry_limit=int(extra.get("retry_limit", self.retry_limit)),
        )


def build_message(
    *,
    mail_from: str,
    to: Iterable[str],
    subject: str,
    html_content: str,
    files: Iterable[str] = (),
    cc: Iterable[str] = (),
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    custom_headers: Mapping[str, Any] | None = None,
) -> MIMEMultipart:
    """An HTML mail with the ``files`` attached (Bcc never appears in the headers)."""
    message = MIMEMultipart(mime_subtype)
    message["Subject"] = subject
    message["From"] = mail_from
    message["To"] = ", ".join(to)
    if cc:
        message["Cc"] = ", ".join(cc)
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid()
    for name, value in (custom_headers or {}).items():
        message[name] = str(value)
    message.attach(MIMEText(html_content, "html", mime_charset))
    for path in files:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Cannot attach {path!r} to the mail: no such file")
        with open(path, "rb") as handle:
            part = MIMEApplication(handle.read(), Name=os.path.basename(path))
        part["Content-Disposition"] = f'attachment; filename="{os.path.basename(path)}"'
        part["Content-ID"] = f"<{os.path.basename(path)}>"
        message.attach(part)
    return message


def send_message(params: SmtpParams, message: MIMEMultipart, recipients: list[str]) -> None:
    """Deliver ``message``; a connection the server drops at once is tried again, up to
    ``retry_limit`` times. Raises what smtplib raises."""
    attempts = max(params.retry_limit, 1)
    for attempt in range(1, attempts + 1):
        try:
            client = _connect(params)
        except smtplib.SMTPServerDisconnected:
            if attempt == attempts:
                raise
            continue
        with client:
            if params.starttls:
                client.starttls(context=ssl.create_default_context())
            if params.user and params.password:
                client.login(params.user, params.password)
            client.sendmail(message["From"], recipients, message.as_string())
        return


def _connect(params: SmtpParams) -> smtplib.SMTP:
    if params.ssl:
        return smtplib.SMTP_SSL(params.host, params.port, timeout=params.timeout, context=ssl.create_default_context())
    return smtplib.SMTP(params.host, params.port, timeout=params.timeout)


def send_email_smtp(
    params: SmtpParams,
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    *,
    files: Iterable[str] | None = None,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    from_email: str | None = None,
    custom_headers: Mapping[str, Any] | None = None,
) -> None:
    """Build and send one HTML mail to ``to``, ``cc`` and ``bcc``."""
    to_list, cc_list, bcc_list = get_email_address_list(to), get_email_address_list(cc), get_email_address_list(bcc)
    if not to_list:
        raise ValueError("no recipient address: give at least one address in 'to'")
    message = build_message(
        mail_from=from_email or params.mail_from, to=to_list, subject=subject, html_content=html_content,
        files=files or (), cc=cc_list, mime_subtype=mime_subtype, mime_charset=mime_charset,
        custom_headers=custom_headers,
    )
    send_message(params, message, to_list + cc_list + bcc_list)


class SmtpHook(BaseHook):
    """Mail through the ``[smtp]`` settings, with ``smtp_conn_id``'s fields over them when it is
    defined. A missing ``smtp_default`` (or no store to look in, outside a task) falls back to the
    settings, as Airflow does; another missing id is an error."""

    conn_name_attr = "smtp_conn_id"
    default_conn_name = "smtp_default"
    conn_type = "smtp"
    hook_name = "SMTP"

    def __init__(self, smtp_conn_id: str | None = default_conn_name, settings: Settings | None = None) -> None:
        super().__init__()
        self.smtp_conn_id = smtp_conn_id
        self.settings = settings

    def __enter__(self) -> SmtpHook:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None

    def params(self) -> SmtpParams:
        params = SmtpParams.from_settings(self.settings or Settings.load())
        if not self.smtp_conn_id:
            return params
        try:
            connection = self.get_connection(self.smtp_conn_id)
        except SecretsUnavailable:
            if self.smtp_conn_id != self.default_conn_name:
                raise
            return params
        except AirflowNotFoundException:
            if self.smtp_conn_id != self.default_conn_name:
                raise AirflowNotFoundException(
                    f"The SMTP connection {self.smtp_conn_id!r} isn't defined: create it "
                    "(slipstream connections add / AIRFLOW_CONN_<ID>) or leave conn_id out to use the [smtp] settings"
                ) from None
            return params
        return params.with_connection(connection)

    def get_conn(self) -> smtplib.SMTP:
        return _connect(self.params())

    def send_email_smtp(
        self, *, to: str | Iterable[str], subject: str, html_content: str, from_email: str | None = None, **kwargs: Any
    ) -> None:
        send_email_smtp(self.params(), to, subject, html_content, from_email=from_email, **kwargs)


def send_email(
    to: str | Iterable[str],
    subject: str,
    html_content: str,
    files: Iterable[str] | None = None,
    dryrun: bool = False,
    cc: str | Iterable[str] | None = None,
    bcc: str | Iterable[str] | None = None,
    mime_subtype: str = "mixed",
    mime_charset: str = "utf-8",
    conn_id: str | None = None,
    custom_headers: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> None:
    """``airflow.utils.email.send_email``: one mail through the configured SMTP server."""
    if dryrun:
        return
    SmtpHook(conn_id or SmtpHook.default_conn_name).send_email_smtp(
        to=to, subject=subject, html_content=html_content, files=files, cc=cc, bcc=bcc, mime_subtype=mime_subtype,
        mime_charset=mime_charset, custom_headers=custom_headers, from_email=kwargs.get("from_email"),
    )
