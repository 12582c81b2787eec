"""A fork server's zygotes: which zygote runs each request, what they report, and what becomes of
a zygote's requests when it dies.

A zygote is a child of the server that has loaded one DAG file and forks that file's task
processes; it tells the server each task process's pid (``started``) and its exit. When a
zygote dies, the server (a child subreaper on Linux) becomes the parent of its task processes:
those still running are adopted, those that ended meanwhile are reported with their real exit
code, and a request the zygote never started is reported ``lost``, after any child of the
zygote the server was never told about is killed (it must not run a request that is run again).
"""

from __future__ import annotations

import os
import signal
import socket
from collections.abc import Callable, Iterable
from typing import Any

from slipstream.processes import subreaper
from slipstream.processes.wire import recv as _recv
from slipstream.processes.wire import send as _send

Report = Callable[[tuple[Any, ...]], None]
Adopt = Callable[[int, int, "int | None"], None]  # pid, request id, a signal asked for it meanwhile


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal the process group ``pid`` leads (after a child's exit: whatever it started and left
    running dies with it, so a retry never runs beside the remains of the try before)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class Zygote:
    __slots__ = ("key", "sock", "pid", "started", "kills")

    def __init__(self, key: str, sock: socket.socket, pid: int) -> None:
        self.key = key
        self.sock: socket.socket | None = sock  # None once closed (the zygote died or was evicted)
        self.pid = pid
        self.started: dict[int, int | None] = {}  # request id -> its task process, None until "started"
        self.kills: dict[int, int] = {}  # request id -> the last signal asked for it


class Zygotes:
    """The zygotes of one server. ``report`` sends a message to the server's parent; ``adopt``
    makes a dead zygote's running task process a child of the server's own."""

    def __init__(self, report: Report, adopt: Adopt, subreaper: bool) -> None:
        self.report = report
        self.adopt = adopt
        self.subreaper = subreaper
        self.by_key: dict[str, Zygote] = {}  # the zygote serving each key
        self.by_pid: dict[int, Zygote] = {}  # every zygote not yet reaped
        self.by_sock: dict[socket.socket, Zygote] = {}  # zygotes whose socket is open
        self.owner: dict[int, Zygote] = {}  # request id -> the zygote that runs it
        self.task_processes: dict[int, tuple[Zygote, int]] = {}  # pid -> (its zygote, request id)

    def add(self, zygote: Zygote) -> None:
        assert zygote.sock is not None
        self.by_key[zygote.key] = self.by_pid[zygote.pid] = self.by_sock[zygote.sock] = zygote

    def send(self, zygote: Zygote, request_id: int, message: tuple[Any, ...]) -> None:
        """Hand a spawn request to ``zygote``; a zygote that is dying reports it when reaped."""
        zygote.started[request_id] = None
        self.owner[request_id] = zygote
        assert zygote.sock is not None
        try:
            _send(zygote.sock, message)
        except OSError:
            self.closed(zygote)

    def kill(self, request_id: int, sig: int) -> bool:
        """Forward a kill to the zygote that runs ``request_id``; False if none does."""
        zygote = self.owner.get(request_id)
        if zygote is None:
            return False
        zygote.kills[request_id] = sig
        if zygote.sock is not None:
            try:
                _send(zygote.sock, ("kill", request_id, sig))
            except OSError:
                self.closed(zygote)
        return True

    def stop(self) -> None:
        for zygote in list(self.by_sock.values()):
            try:
                _send(zygote.sock, ("stop", 0, None))  # type: ignore[arg-type]
            except OSError:
                self.closed(zygote)

    def evict_idle(self, keep: int) -> None:
        idle = [z for z in self.by_key.values() if not z.started]
        for zygote in idle[: max(len(self.by_key) - keep, 0)]:
            self._forget_socket(zygote)  # it sees its socket close and ends; reaped like any child

    # -- what they say

    def read(self, zygote: Zygote) -> None:
        assert zygote.sock is not None
        try:
            message = _recv(zygote.sock)
        except OSError:
            message = None
        if message is None:
            self.closed(zygote)
        else:
            self._said(zygote, message)

    def _said(self, zygote: Zygote, message: tuple[Any, ...]) -> None:
        kind, request_id, value = message
        if kind == "started":
            zygote.started[request_id] = value
            self.task_processes[value] = (zygote, request_id)
        elif kind in ("exited", "lost"):
            pid = zygote.started.pop(request_id, None)
            if pid is not None:
                self.task_processes.pop(pid, None)
            self.owner.pop(request_id, None)
            zygote.kills.pop(request_id, None)
            self.report(message)

    def closed(self, zygote: Zygote, timeout: float | None = None) -> None:
        """The zygote's socket broke (it died): read what it said before, then let it go. New
        work for its key goes to a new zygote; its requests are settled when it is reaped."""
        if zygote.sock is None:
            return
        zygote.sock.settimeout(timeout)
        while True:
            try:
                message = _recv(zygote.sock)
            except OSError:
                break
            if message is None:
                break
            self._said(zygote, message)
        self._forget_socket(zygote)

    def _forget_socket(self, zygote: Zygote) -> None:
        if zygote.sock is None:
            return
        self.by_sock.pop(zygote.sock, None)
        if self.by_key.get(zygote.key) is zygote:
            del self.by_key[zygote.key]
        zygote.sock.close()
        zygote.sock = None

    # -- deaths

    def reaped(self, pid: int, code: int, known: Iterable[int], stopping: bool) -> bool:
        """The server reaped ``pid``: if it was a zygote or one of their task processes, settle
        it (``known``: the server's own children) and return True."""
        zygote = self.by_pid.pop(pid, None)
        if zygote is not None:
            self._ended(zygote, known, stopping)
            return True
        adopted = self.task_processes.pop(pid, None)
        if adopted is None:
            return False
        zygote, request_id = adopted  # a dead zygote's task process, reaped before the zygote itself
        zygote.started.pop(request_id, None)
        self.owner.pop(request_id, None)
        kill_group(pid)
        self.report(("exited", request_id, code))
        return True

    def _ended(self, zygote: Zygote, known: Iterable[int], stopping: bool) -> None:
        self.closed(zygote, timeout=0.05)  # a just-forked child may still hold its socket
        if any(pid is None for pid in zygote.started.values()):
            self._kill_strays(known)
        for request_id, pid in zygote.started.items():
            self.owner.pop(request_id, None)
            if pid is None:
                self.report(("lost", request_id, f"its zygote (pid {zygote.pid}) ended before starting it"))
                continue
            self.task_processes.pop(pid, None)
            self._settle(request_id, pid, zygote, signal.SIGKILL if stopping else zygote.kills.get(request_id))
        zygote.started.clear()

    def _settle(self, request_id: int, pid: int, zygote: Zygote, sig: int | None) -> None:
        if not self.subreaper:  # its children went to init, out of reach: kill them (as before subreapers)
            kill_group(pid)
            self.report(("exited", request_id, -signal.SIGKILL))
            return
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            self.report(("lost", request_id, f"it ended as its zygote (pid {zygote.pid}) died; its exit code is unknown"))
            return
        if done:
            kill_group(pid)
            self.report(("exited", request_id, os.waitstatus_to_exitcode(status)))
        else:
            self.adopt(pid, request_id, sig)

    def _kill_strays(self, known: Iterable[int]) -> None:
        """Kill this server's children it was never told about, in its own session: a zygote
        that died between forking a task process and reporting it leaves one."""
        told = set(known) | self.by_pid.keys() | self.task_processes.keys()
        session = os.getsid(0)
        for pid in subreaper.child_pids():
            if pid in told:
                continue
            try:
                if os.getsid(pid) != session:
                    continue  # a daemon a task started, in a session of its own
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
