"""Serving the app with uvicorn: in the foreground for ``slipstream api-server`` (one or more
worker processes), or in a thread beside the scheduler for ``standalone`` and tests."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from slipstream.services.context import ServiceContext


def serve(host: str, port: int, workers: int, *, log_level: str = "info") -> None:
    """Run ``slipstream api-server`` until a signal stops it."""
    import uvicorn

    uvicorn.run(
        "slipstream.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
        log_level=log_level, timeout_graceful_shutdown=5,
    )


@dataclass
class ServerThread:
    server: Any  # uvicorn.Server
    thread: threading.Thread
    host: str
    port: int

    @property
    def url(self) -> str:
        return display_url(self.host, self.port)

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def display_url(host: str, port: int) -> str:
    """The address to open in a browser: a wildcard host is shown as loopback."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else ("[::1]" if host == "::" else host)
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def bind(host: str, port: int) -> socket.socket:
    """The listening socket, bound and listening now (cheap: no web framework imported yet), so a
    port in use is an ``OSError`` at once; ``port=0`` picks a free port."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets whose proto says TCP; without it every
    # answer on a kept-alive connection waited ~40 ms (Nagle against the client's delayed ACK).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)  # a browser opening the printed URL queues until the server accepts, instead of being refused
    except OSError:
        sock.close()
        raise
    return sock


def start_in_thread(ctx: ServiceContext, host: str = "127.0.0.1", port: int = 0, *, sock: socket.socket | None = None,
                    log_level: str = "warning", access_log: bool = False, staged: bool = False) -> ServerThread:
    """Serve the app from a daemon thread of this process on ``sock`` (or a socket bound to
    ``host``:``port`` here). Returns once the server accepts connections and every route is loaded.

    ``staged`` (standalone): accept connections first, answering the web UI's files at once, then
    load the routes the first pages call, then, once their requests are answered, the rest (``front.py``)."""
    from slipstream.api.front import Front

    if sock is None:
        sock = bind(host, port)
    if staged:
        front = Front()
    else:
        from slipstream.api.app import create_app

        front = Front(create_app(ctx))
    import uvicorn

    host, bound_port = sock.getsockname()[:2]
    config = uvicorn.Config(front, log_level=log_level, access_log=access_log, lifespan="off",
                            timeout_graceful_shutdown=3)
    server = uvicorn.Server(config)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            server.run(sockets=[sock])
        except BaseException as err:  # noqa: BLE001 - reported to the starting thread
            failure.append(err)
        finally:
            sock.close()

    thread = threading.Thread(target=run, name="slipstream-api", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.005)
    if not server.started:
        server.should_exit = True
        raise RuntimeError(f"the API server did not start: {failure[0] if failure else 'timed out'}")
    if staged:
        try:
            _load_in_stages(front, ctx)
        except BaseException as err:
            front.fail(err)
            raise
    from slipstream.api.app import settle_heap

    settle_heap()
    return ServerThread(server=server, thread=thread, host=host, port=bound_port)


def _load_in_stages(front: Any, ctx: ServiceContext) -> None:
    from slipstream.api.app import FIRST, ROUTERS, add_routers, create_app

    app = create_app(ctx, ROUTERS[:FIRST])
    front.load(app, complete=False)
    front.wait_quiet(0.2, at_most=1.0)
    add_routers(app, ROUTERS[FIRST:])
    front.complete = True
