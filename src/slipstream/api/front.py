"""The outermost ASGI app: the web UI's files answered here, everything else handed to the FastAPI
app, which may still be loading.

The UI's pages (``/``, ``/login``, ``/dags/...``, ``/admin/...``, ``/assets``) all answer the one
``index.html`` that the React app routes in the browser; ``/bundle/*`` are the scripts and
stylesheets Vite built from ``ui/`` into ``api/static/app`` (shipped in the package: serving them
needs no Node.js, and nothing comes from a CDN). Bundle names carry a hash of their contents, so
browsers keep them for good; a ``.gz`` beside each goes to browsers that accept gzip.

Why not FastAPI routes: ``standalone`` serves these files the moment its port is bound, while the
web framework and the API's models load (about a second), so the browser fetches and parses the
UI meanwhile. The API itself comes in two stages (``app.create_app``): the routes the login and
DAG list pages call first, then the rest; a request that no loaded route matches waits for the rest.
"""

from __future__ import annotations

import asyncio
import json
import mimetypes
import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

APP = Path(__file__).resolve().parent / "static" / "app"
BUNDLE = APP / "bundle"

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

PAGES = re.compile(r"^/(login|dags(/.*)?|admin/.*|assets)?$")
_FOREVER = b"public, max-age=31536000, immutable"
_NOT_BUILT = b'{"detail": "The web UI is not built in this installation: run `make ui` (needs Node.js 20)"}'


class Front:
    """ASGI: UI files here; the rest to ``api`` (a FastAPI app) once set. ``complete`` is set once
    every route is loaded; before that, a request that no loaded route matches waits for it."""

    def __init__(self, api: Any = None, *, complete: bool = True) -> None:
        self.api = api
        self.complete = complete and api is not None
        self.failure: str | None = None
        self._files: dict[Path, bytes] = {}
        self._in_flight = 0
        self._last_request = 0.0

    def load(self, api: Any, *, complete: bool) -> None:
        self.api = api
        self.complete = complete

    def fail(self, error: BaseException) -> None:
        """The API could not load: its requests get a 503 that says why, instead of waiting."""
        self.failure = f"The API could not start: {type(error).__name__}: {error}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            answer = self._ui_file(scope)
            if answer is not None:
                await _send(send, scope, *answer)
                return
        self._in_flight += 1
        self._last_request = time.monotonic()
        try:
            await self._to_api(scope, receive, send)
        finally:
            self._in_flight -= 1
            self._last_request = time.monotonic()

    def wait_quiet(self, quiet: float, at_most: float) -> None:
        """Block until no API request has been in flight for ``quiet`` s (at most ``at_most`` s):
        standalone loads the rest of the API after the first page's burst of requests, not during it."""
        deadline = time.monotonic() + at_most
        while time.monotonic() < deadline and (self._in_flight or time.monotonic() - self._last_request < quiet):
            time.sleep(0.01)

    async def _to_api(self, scope: Scope, receive: Receive, send: Send) -> None:
        api = await self._api_for(scope)
        if api is None:
            if scope["type"] == "http":
                body = json.dumps({"detail": self.failure}).encode()
                await _send(send, scope, 503, [(b"content-type", b"application/json")], body)
            return
        await api(scope, receive, send)

    async def _api_for(self, scope: Scope) -> Any:
        while self.api is None:
            if self.failure is not None:
                return None
            await asyncio.sleep(0.005)
        if not self.complete and scope["type"] == "http":
            from starlette.routing import Match

            def loaded() -> bool:
                if scope["path"] == self.api.openapi_url:  # the schema is cached at its first request: all of it
                    return False
                return any(route.matches(scope)[0] == Match.FULL for route in self.api.router.routes)

            while not self.complete and not loaded():
                if self.failure is not None:
                    return None
                await asyncio.sleep(0.005)
        return self.api

    def _ui_file(self, scope: Scope) -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
        path: str = scope["path"]
        if PAGES.match(path):
            index = APP / "index.html"
            if not index.is_file():
                return 404, [(b"content-type", b"application/json")], _NOT_BUILT
            # Always asked again: a new release's index.html names new bundle files.
            return 200, [(b"content-type", b"text/html; charset=utf-8"), (b"cache-control", b"no-cache")], self._read(index)
        if not path.startswith("/bundle/"):
            return None
        name = path[len("/bundle/"):]
        file = BUNDLE / name
        if "/" in name or name.startswith(".") or name.endswith(".gz") or not file.is_file():
            return 404, [(b"content-type", b"application/json")], b'{"detail": "No such file in the UI bundle"}'
        media_type = (mimetypes.guess_type(name)[0] or "application/octet-stream").encode()
        headers = [(b"content-type", media_type), (b"cache-control", _FOREVER), (b"vary", b"accept-encoding")]
        packed = file.with_name(name + ".gz")
        if b"gzip" in _header(scope, b"accept-encoding") and packed.is_file():
            return 200, [*headers, (b"content-encoding", b"gzip")], self._read(packed)
        return 200, headers, self._read(file)

    def _read(self, path: Path) -> bytes:
        """Kept in memory: a few hundred kB in all, each file read once."""
        data = self._files.get(path)
        if data is None:
            data = self._files[path] = path.read_bytes()
        return data


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value
    return b""


async def _send(send: Send, scope: Scope, status: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})
