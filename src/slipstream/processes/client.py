"""The parent's handle on a fork server: start it, ask it for children, hear when they end."""

from __future__ import annotations

import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from typing import Any

from slipstream.processes.wire import recv as _recv
from slipstream.processes.wire import send as _send

STARTUP_TIMEOUT = 60.0
ExitCallback = Callable[[int, int], None]


class ForkServer:
    """The parent's handle: ``spawn`` returns a request id; ``on_exit(request_id, code)`` is called
    from a reader thread when that child ends."""

    def __init__(
        self, preload: list[str], on_exit: ExitCallback, channels: socket.socket | None = None, first_request_id: int = 0
    ) -> None:
        """``channels``: a control socket to a channel server (``slipstream.processes.channel_server``)
        that answers every child; the server keeps its own copy once started. Request ids start
        after ``first_request_id`` (a server that replaces another one continues its numbering)."""
        self.preload = preload
        self.on_exit = on_exit
        self.channels = channels
        self._sock: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._next_id = first_request_id
        self._reader: threading.Thread | None = None
        self._ready = threading.Event()
        self._calls: queue.Queue[None] = queue.Queue()

    def start(self) -> None:
        with self._lock:
            if self._process is not None:
                return
            self._ready.clear()
            parent_sock, child_sock = socket.socketpair()
            code = (
                "import sys; from slipstream.processes.forkserver import serve; "
                "serve(int(sys.argv[1]), sys.argv[3:], None, int(sys.argv[2]) if sys.argv[2] != '-' else None)"
            )
            fds = [child_sock.fileno()] + ([self.channels.fileno()] if self.channels is not None else [])
            channels_arg = str(self.channels.fileno()) if self.channels is not None else "-"
            self._process = subprocess.Popen(
                [sys.executable, "-c", code, str(child_sock.fileno()), channels_arg, *self.preload],
                pass_fds=fds,
                start_new_session=True,
            )
            child_sock.close()
            self._sock = parent_sock
            self._reader = threading.Thread(target=self._read, name="forkserver-reader", daemon=True)
            self._reader.start()
        if not self._ready.wait(STARTUP_TIMEOUT):
            raise RuntimeError(f"the fork server did not start within {STARTUP_TIMEOUT:.0f} s")

    def _read(self) -> None:
        sock = self._sock  # close() clears the attribute; this thread ends when the socket shuts down
        assert sock is not None
        while True:
            try:
                message = _recv(sock)
            except OSError:
                return
            if message is None:
                return
            kind, request_id, value = message
            if kind == "ready":
                self._ready.set()
            elif kind == "called":
                self._calls.put(None)
            elif kind == "exited":
                self.on_exit(request_id, value)

    def spawn(self, target: str, args: tuple[Any, ...], zygote: tuple[str, str, tuple[Any, ...]] | None = None) -> int:
        """Fork a child that calls ``target(*args)``; with ``zygote=(key, load_target, load_args)``
        fork it from the zygote of that key, made on first use."""
        self.start()
        with self._lock:
            self._next_id += 1
            request_id = self._next_id
            assert self._sock is not None
            _send(self._sock, ("spawn", request_id, target, args, zygote))
        return request_id

    def call(self, target: str, args: tuple[Any, ...]) -> None:
        """Run ``target(*args)`` inside the server process and wait for it, e.g. to warm caches
        that children inherit."""
        self.start()
        with self._lock:
            assert self._sock is not None
            _send(self._sock, ("call", 0, target, args))
        try:
            self._calls.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            raise RuntimeError(f"the fork server did not finish {target} within {STARTUP_TIMEOUT:.0f} s") from None

    @property
    def last_request_id(self) -> int:
        return self._next_id

    def kill(self, request_id: int, sig: int = signal.SIGKILL) -> None:
        with self._lock:
            if self._sock is not None:
                _send(self._sock, ("kill", request_id, sig))

    def close(self) -> None:
        with self._lock:
            sock, process = self._sock, self._process
            self._sock, self._process = None, None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
        if process is not None:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._reader is not None:
            self._reader.join(5)
