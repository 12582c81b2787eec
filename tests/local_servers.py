"""Real servers on 127.0.0.1 for hook and operator tests: HTTP (http.server) and SMTP (aiosmtpd).

``tests/`` is on ``sys.path`` through the root conftest, so test modules ``import local_servers``.
"""

from __future__ import annotations

import base64
import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EchoHandler(BaseHTTPRequestHandler):
    """``/echo`` answers the request as JSON; ``/status/<code>``; ``/auth`` wants user:secret;
    ``/pages?page=N`` is three pages of items with a ``next`` page number."""

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _answer(self, code: int, payload: object, content_type: str = "application/json") -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        self.server.requests.append((self.command, self.path, dict(self.headers), body))  # type: ignore[attr-defined]
        if url.path.startswith("/status/"):
            code = int(url.path.rsplit("/", 1)[1])
            self._answer(code, {"status": code})
        elif url.path == "/auth":
            expected = "Basic " + base64.b64encode(b"user:secret").decode()
            if self.headers.get("Authorization") != expected:
                self._answer(401, {"error": "who are you?"})
            else:
                self._answer(200, {"user": "user"})
        elif url.path == "/pages":
            page = int(parse_qs(url.query).get("page", ["1"])[0])
            self._answer(200, {"items": [page * 10, page * 10 + 1], "next": page + 1 if page < 3 else None})
        else:
            self._answer(200, {
                "method": self.command, "path": url.path, "query": parse_qs(url.query),
                "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
            })

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle  # noqa: N815 - http.server's names


@contextmanager
def http_server() -> Iterator[ThreadingHTTPServer]:
    """A server on a free port of 127.0.0.1; ``server.requests`` lists what it was sent."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    server.requests = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class SmtpCollector:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


@contextmanager
def smtp_server() -> Iterator[tuple[SmtpCollector, int]]:
    from aiosmtpd.controller import Controller

    handler = SmtpCollector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield handler, controller.port
    finally:
        controller.stop()
