"""Task logs that stay on the machine of the worker that ran the try, served to API servers.

Each ``slipstream celery worker`` serves its ``[logging] base_log_folder`` over HTTP on
``[logging] worker_log_server_port`` (8793, Airflow's): ``GET /log?path=P&offset=N&max=M``
answers bytes of the log file at ``P`` (the path the try recorded; only files inside the folder)
and its size in ``X-Log-Size``. A request carries a JWT signed with the installation's
``[api_auth] jwt_secret`` naming that path and expiring within a minute: whoever reaches the port
without the secret reads nothing. An API server that has no file at the recorded path asks the
host the try ran on (``fetch``).
"""

from __future__ import annotations

import os
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt

ALGORITHM = "HS512"
AUDIENCE = "slipstream-worker-logs"
TOKEN_SECONDS = 60
FETCH_TIMEOUT = 5.0


class RemoteLogError(Exception):
    """The worker could not be asked, or refused: the message says why."""


def _token(secret: str, path: str) -> str:
    return jwt.encode({"path": path, "aud": AUDIENCE, "exp": int(time.time()) + TOKEN_SECONDS}, secret, ALGORITHM)


class _Handler(BaseHTTPRequestHandler):
    server: LogServer

    def log_message(self, format: str, *args: object) -> None:
        return None

    def _refuse(self, code: int, message: str) -> None:
        body = message.encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qs(url.query)
        if url.path != "/log" or "path" not in query:
            self._refuse(404, "GET /log?path=...")
            return
        path = query["path"][0]
        try:
            claims = jwt.decode(
                self.headers.get("Authorization", "").removeprefix("Bearer "), self.server.secret,
                algorithms=[ALGORITHM], audience=AUDIENCE,
            )
        except jwt.PyJWTError as err:
            self._refuse(403, f"refused: {err}; the API server and this worker need the same [api_auth] jwt_secret")
            return
        if claims.get("path") != path:
            self._refuse(403, "refused: the token is for another file")
            return
        real = os.path.realpath(path)
        if not real.startswith(self.server.root + os.sep):
            self._refuse(403, f"refused: {path} is not under this worker's base_log_folder {self.server.root}")
            return
        offset = int(query.get("offset", ["0"])[0])
        limit = int(query.get("max", ["-1"])[0])
        try:
            with open(real, "rb") as handle:
                size = os.fstat(handle.fileno()).st_size
                handle.seek(offset)
                data = handle.read() if limit < 0 else handle.read(limit)
        except FileNotFoundError:
            self._refuse(404, f"no log file at {path} on this worker")
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Log-Size", str(size))
        self.end_headers()
        self.wfile.write(data)


class LogServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, base_log_folder: Path, secret: str, host: str = "0.0.0.0", port: int = 8793) -> None:
        super().__init__((host, port), _Handler)
        self.root = os.path.realpath(base_log_folder)
        self.secret = secret

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> LogServer:
        threading.Thread(target=self.serve_forever, name="worker-log-server", daemon=True).start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def fetch(hostname: str, port: int, path: str, secret: str, offset: int = 0, max_bytes: int = -1) -> tuple[bytes, int]:
    """Bytes of the log file ``path`` on worker ``hostname`` from ``offset`` (all, or at most
    ``max_bytes``), and the file's size."""
    query = urllib.parse.urlencode({"path": path, "offset": offset, "max": max_bytes})
    request = urllib.request.Request(f"http://{hostname}:{port}/log?{query}")
    request.add_header("Authorization", f"Bearer {_token(secret, path)}")
    try:
        with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT) as answer:
            return answer.read(), int(answer.headers.get("X-Log-Size", "0"))
    except urllib.error.HTTPError as err:
        raise RemoteLogError(err.read().decode("utf-8", "replace") or str(err)) from None
    except (OSError, ValueError) as err:
        raise RemoteLogError(f"cannot reach the log server of {hostname} on port {port}: {err}") from None
