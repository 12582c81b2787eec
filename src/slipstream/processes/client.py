"""The parent's handle on a fork server: start it, ask it for children, hear when they end.

If the server process dies, its reader thread notices at once: every request not yet reported
is handed to ``on_lost`` (whether its child ran is unknown; a child that runs goes on), and the
next ``spawn`` or ``call`` starts a new server, warmed with the calls made so far.
"""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import threading
from collections.abc import Callable
from typing import Any

from slipstream.processes import python_process
from slipstream.processes.proc_stat import stat_fields
from slipstream.processes.wire import recv as _recv
from slipstream.processes.wire import send as _send

STARTUP_TIMEOUT = 60.0
STOP_TIMEOUT = 15.0
ExitCallback = Callable[[int, int], None]
LostCallback = Callable[[int, str], None]


class ForkServerGone(ConnectionError):
    """The fork server died before it got the request; nothing was started."""


class ForkServer:
    """The parent's handle: ``spawn`` returns a request id; ``on_exit(request_id, code)`` is called
    from a reader thread when that child ends, ``on_lost(request_id, reason)`` when its end will
    never be known (its zygote died before starting it, or the server died)."""

    def __init__(
        self,
        preload: list[str],
        on_exit: ExitCallback,
        channels: socket.socket | None = None,
        *,
        on_lost: LostCallback | None = None,
        first_request_id: int = 0,
    ) -> None:
        """``channels``: a control socket to a channel server (``slipstream.processes.channel_server``)
        that answers every child; this handle keeps a copy until ``close`` (so a new server can
        be given it), the caller may close its own. Without ``on_lost``, a lost request is
        reported to ``on_exit`` as killed (``-SIGKILL``). Request ids start after
        ``first_request_id`` (a handle that replaces another one continues its numbering)."""
        self.preload = preload
        self.on_exit = on_exit
        self.on_lost = on_lost
        self.channels = socket.socket(fileno=os.dup(channels.fileno())) if channels is not None else None
        self._sock: socket.socket | None = None
        self._process: python_process.Process | None = None
        self._lock = threading.Lock()
        self._next_id = first_request_id
        self._pending: set[int] = set()  # spawned and not yet reported
        self._gone = False  # the server process died; the next start replaces it
        self._closing = False
        self._readers: list[threading.Thread] = []
        self._ready = threading.Event()
        self._calls: queue.Queue[bool] = queue.Queue()
        self._warm_ups: list[tuple[str, tuple[Any, ...]]] = []
        self._orphans: dict[int, str] = {}  # children of dead servers (pid -> start time), found by their session
        self._launched = False  # launched and not yet waited for by ``start``

    @property
    def pid(self) -> int | None:
        """The server process's pid (None before the first start)."""
        return self._process.pid if self._process is not None else None

    def launch(self) -> None:
        """Start the server process (unless one runs) without waiting for it: ``start`` then waits.
        No thread is started yet, so that a warm process may fork more of them after this one
        (``processes/python_process.py``)."""
        with self._lock:
            if self._closing:
                raise ForkServerGone("the fork server is closed")
            if self._process is None or self._gone:
                self._launch(start_reader=False)
                self._launched = True

    def start(self) -> bool:
        """Start the server (or a new one, if it died) and wait until it is ready and has run
        every warm-up call; True if it started one (or ``launch`` did, unwaited until now).
        Raises ``ForkServerGone`` if the new server died meanwhile (the next start tries again)."""
        with self._lock:
            if self._closing:
                raise ForkServerGone("the fork server is closed")
            if self._process is not None and not self._gone and not self._launched:
                return False
            if self._process is None or self._gone:
                self._launch()
            self._launched = False
            self._start_reader()
        if not self._ready.wait(STARTUP_TIMEOUT):
            raise RuntimeError(f"the fork server did not start within {STARTUP_TIMEOUT:.0f} s")
        if self._gone:
            raise ForkServerGone(f"the fork server ended while starting (exit code {self._process_code()})")
        for target, args in list(self._warm_ups):
            self._call(target, args)
        return True

    def _launch(self, start_reader: bool = True) -> None:
        """Start a server process and its reader thread (lock held); without ``start_reader``,
        ``_start_reader`` starts that thread later."""
        self._ready.clear()
        self._gone = False
        while not self._calls.empty():
            self._calls.get_nowait()  # what a dead server's reader left there
        parent_sock, child_sock = socket.socketpair()
        fds = [child_sock.fileno()] + ([self.channels.fileno()] if self.channels is not None else [])
        channels_arg = str(self.channels.fileno()) if self.channels is not None else "-"
        # stdin on /dev/null: no child (a task, a DAG file) reads the scheduler's stdin
        process = python_process.start(
            "slipstream.processes.forkserver:main", [str(child_sock.fileno()), channels_arg, *self.preload], fds
        )
        child_sock.close()
        self._sock, self._process = parent_sock, process
        reader = threading.Thread(
            target=self._read, args=(parent_sock, process), name="forkserver-reader", daemon=True
        )
        self._readers = [r for r in self._readers if r.is_alive()] + [reader]
        if start_reader:
            reader.start()

    def _start_reader(self) -> None:
        """Start the reader thread of a server launched without it (lock held)."""
        if self._readers and self._readers[-1].ident is None:
            self._readers[-1].start()

    def _read(self, sock: socket.socket, process: python_process.Process) -> None:
        while True:
            try:
                message = _recv(sock)
            except OSError:
                message = None
            if message is None:
                break
            kind, request_id, value = message
            if kind == "exited":
                self._pending.discard(request_id)
                self.on_exit(request_id, value)
            elif kind == "lost":
                self._pending.discard(request_id)
                self._report_lost(request_id, value)
            elif kind == "ready":
                self._ready.set()
            elif kind == "called":
                self._calls.put(True)
        self._ended(sock, process)

    def _ended(self, sock: socket.socket, process: python_process.Process) -> None:
        """The server closed its socket: unless we asked it to, it died; report what it held."""
        with self._lock:
            if self._closing or sock is not self._sock:
                return
            self._gone = True
            lost, self._pending = self._pending, set()
            self._ready.set()  # a start or call waiting for this server learns it died (under the
            self._calls.put(False)  # lock: a new server's launch clears both after this)
        try:
            code: int | str = process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        sock.close()
        orphans = _members_of_session(process.pid)  # the dead server led that session
        with self._lock:
            self._orphans.update(orphans)
        reason = f"the fork server (pid {process.pid}) ended with exit code {code}"
        for request_id in sorted(lost):
            self._report_lost(request_id, reason)

    def _report_lost(self, request_id: int, reason: str) -> None:
        if self.on_lost is not None:
            self.on_lost(request_id, reason)
        else:
            self.on_exit(request_id, -signal.SIGKILL)

    def _process_code(self) -> int | None:
        return self._process.poll() if self._process is not None else None

    def spawn(self, target: str, args: tuple[Any, ...], zygote: tuple[str, str, tuple[Any, ...]] | None = None) -> int:
        """Fork a child that calls ``target(*args)``; with ``zygote=(key, load_target, load_args)``
        fork it from the zygote of that key, made on first use. Raises ``ForkServerGone`` if the
        server died before it got the request (the next spawn starts a new one)."""
        self.start()
        with self._lock:
            if self._gone or self._sock is None:
                raise ForkServerGone("the fork server ended before it got the request")
            self._next_id += 1
            request_id = self._next_id
            self._pending.add(request_id)
            try:
                _send(self._sock, ("spawn", request_id, target, args, zygote))
            except OSError as error:
                self._pending.discard(request_id)
                raise ForkServerGone(f"the fork server ended before it got the request ({error})") from None
        return request_id

    def call(self, target: str, args: tuple[Any, ...]) -> None:
        """Run ``target(*args)`` inside the server process and wait for it, e.g. to warm caches
        that children inherit; a server started again later runs it too."""
        self._warm_ups.append((target, args))
        if not self.start():  # a server started now has run it with the other warm-ups
            self._call(target, args)

    def _call(self, target: str, args: tuple[Any, ...]) -> None:
        with self._lock:
            if self._sock is None or self._gone:
                raise ForkServerGone(f"the fork server ended before running {target}")
            try:
                _send(self._sock, ("call", 0, target, args))
            except OSError:
                raise ForkServerGone(f"the fork server ended before running {target}") from None
        try:
            if not self._calls.get(timeout=STARTUP_TIMEOUT):
                raise ForkServerGone(f"the fork server ended while running {target}")
        except queue.Empty:
            raise RuntimeError(f"the fork server did not finish {target} within {STARTUP_TIMEOUT:.0f} s") from None

    @property
    def last_request_id(self) -> int:
        return self._next_id

    def kill(self, request_id: int, sig: int = signal.SIGKILL) -> None:
        with self._lock:
            if self._sock is not None and not self._gone:
                try:
                    _send(self._sock, ("kill", request_id, sig))
                except OSError:
                    pass  # the server died; its reader reports the request

    def close(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop the server: it kills what still runs (and what its tasks left behind), reports
        those exits, and ends; then release everything. The children of servers that died
        before are left alone (see ``kill_lost_children``)."""
        with self._lock:
            self._start_reader()
            self._closing = True
            sock, process, gone = self._sock, self._process, self._gone
            self._sock, self._process = None, None
        if sock is not None and process is not None and not gone:
            try:
                _send(sock, ("stop", 0, None))
                process.wait(timeout)
            except OSError:
                pass
            except subprocess.TimeoutExpired:
                process.kill()
        if process is not None and process.poll() is None:
            process.kill()
        if process is not None:
            process.wait()
        for reader in self._readers:
            reader.join(5)
        if sock is not None:
            sock.close()
        if self.channels is not None:
            self.channels.close()
            self.channels = None


    def kill_lost_children(self) -> None:
        """Kill the children of the servers that died under this handle (found, when each died,
        in the session it led), and what they started: for a clean stop, so that none outlives
        it. Not for a handle replaced while its owner runs on: those children may still be
        finishing tries that they record themselves."""
        with self._lock:
            orphans, self._orphans = self._orphans, {}
        for pid, started in orphans.items():
            _kill_if_still_there(pid, started)


def _members_of_session(session: int) -> dict[int, str]:
    """The processes of ``session`` (pid -> start time: a pid with its start time names one
    process for good); empty where there is no /proc."""
    try:
        entries = os.listdir("/proc")
    except OSError:
        return {}
    members: dict[int, str] = {}
    for entry in entries:
        if entry.isdigit() and (fields := stat_fields(entry)) is not None and len(fields) > 19 and fields[3] == str(session):
            members[int(entry)] = fields[19]
    return members


def _kill_if_still_there(pid: int, started: str) -> None:
    """SIGKILL the process (and the process group it leads) if it is still the one we saw."""
    fields = stat_fields(pid)
    if fields is None or len(fields) <= 19 or fields[19] != started or fields[0] == "Z":
        return
    try:
        if fields[2] == str(pid):
            os.killpg(pid, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
