"""A small fork server: a warm, single-threaded process that forks a child per request.

Starting a Python process from scratch and importing Jinja and the operators costs tens of
milliseconds; forking a process that has already imported them costs about one. The parent
talks to the server over a socket pair with length-prefixed pickles:

    parent -> server  ("spawn", request_id, "module:function", args, zygote)
                                                                       fork a child that calls it
    parent -> server  ("kill", request_id, signal)                     signal the child's process group
    parent -> server  ("call", 0, "module:function", args)             run in the server itself (warm-up)
    parent -> server  ("stop", 0, None)                                kill what still runs, report it, end
    server -> parent  ("ready", 0, pid)                                preloading is done
    server -> parent  ("called", 0, None)                              a call has returned
    zygote -> server  ("started", request_id, pid)                     so the server can adopt a dead zygote's children
    server -> parent  ("exited", request_id, exit_code)                negative: killed by that signal
    server -> parent  ("lost", request_id, reason)                     never started, or its end cannot be known
    server or zygote -> channel server (b"c" + an fd, SCM_RIGHTS)      a new child's channel, to answer

A server started with a control socket to a channel server (``channels``) gives every child it
forks, and every child of its zygotes, a channel to that process (``PARENT_CHANNEL``): the
forking processes only fork, and the channel server answers (see ``channel_server``).
Every child leads its own process group, so a kill reaches the processes it started too.

Deaths. When the parent closes its socket without a ``stop`` (it died), the server ends at once,
its zygotes with it (their socket closes), and the task processes go on. On Linux the server is
a child subreaper: the task processes of a zygote that dies become its children, so it reaps
them and reports their real exit codes; a request the zygote had not started is reported
``lost`` (after the server has killed any child of the zygote it was never told about), so the
parent can run it again. A ``stop`` kills every child still running and every process a task
left behind, reports them, and ends the server.
"""

from __future__ import annotations

import gc
import importlib
import os
import select
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

from slipstream.processes import subreaper
from slipstream.processes.channel_server import hand_over
from slipstream.processes.wire import recv as _recv
from slipstream.processes.wire import send as _send

MAX_ZYGOTES = 16
STOP_GRACE = 5.0  # seconds a stopping server waits for its zygotes before killing them

# In a child of a server with a channel server: the socket to the process that answers its requests.
PARENT_CHANNEL: socket.socket | None = None

ZygoteSpec = tuple[str, str, tuple[Any, ...]]


def _resolve(target: str) -> Callable[..., Any]:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


def _print_exc() -> None:
    """Show the current exception on stderr; a stderr nobody reads any more (a pipe whose reader
    died) must not take the server down."""
    try:
        traceback.print_exc()
    except OSError:
        pass


def _kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Signal the process group ``pid`` leads. After a child's exit: whatever it started and left
    running dies with it, so a retry never runs beside the remains of the try before."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


# -- in a child ----------------------------------------------------------------------------------


def _run_child(target: str, args: tuple[Any, ...], channel: socket.socket | None, inherited: list[Any]) -> None:
    """The forked child: drop what belongs to the server (``inherited``: sockets and fds), lead a
    process group of its own, call the target, and leave with its exit code."""
    global PARENT_CHANNEL
    code = 0
    PARENT_CHANNEL = channel
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        for item in inherited:
            if isinstance(item, int):
                os.close(item)
            elif item is not None:
                item.close()
        os.setpgrp()
        _resolve(target)(*args)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - report anything, then leave
        _print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            pass
        finally:
            os._exit(code)


# -- the server ----------------------------------------------------------------------------------


class _Zygote:
    """A child of the server that has loaded one DAG file and forks that file's task processes."""

    __slots__ = ("key", "sock", "pid", "started", "kills")

    def __init__(self, key: str, sock: socket.socket, pid: int) -> None:
        self.key = key
        self.sock: socket.socket | None = sock  # None once it closed (the zygote died or was evicted)
        self.pid = pid
        self.started: dict[int, int | None] = {}  # request id -> its task process, None until "started"
        self.kills: dict[int, int] = {}  # request id -> the last signal asked for it


class _Server:
    """One fork server (or zygote) process: answers its parent, forks, reaps, reports."""

    def __init__(self, sock: socket.socket, load: tuple[str, tuple[Any, ...]] | None, channels: socket.socket | None) -> None:
        self.sock = sock
        self.load = load
        self.channels = channels
        self.children: dict[int, int] = {}  # pid -> request id: forked here, or adopted from a dead zygote
        self.zygotes: dict[str, _Zygote] = {}  # the zygote serving each key
        self.zygote_pids: dict[int, _Zygote] = {}  # every zygote not yet reaped
        self.by_sock: dict[socket.socket, _Zygote] = {}  # zygotes whose socket is open
        self.owner: dict[int, _Zygote] = {}  # request id -> the zygote that runs it
        self.grandchildren: dict[int, tuple[_Zygote, int]] = {}  # a zygote's task process -> (zygote, request id)
        self.parent_gone = False
        self.stop_deadline: float | None = None
        self.subreaper = load is None and subreaper.become_subreaper()
        self.wakeup_r, self.wakeup_w = os.pipe()
        os.set_blocking(self.wakeup_r, False)
        os.set_blocking(self.wakeup_w, False)
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def run(self) -> None:
        self._tell_parent(("ready", 0, os.getpid()))
        while not self.parent_gone:
            timeout = None if self.stop_deadline is None else 0.1
            readable, _, _ = select.select([self.sock, self.wakeup_r, *self.by_sock], [], [], timeout)
            for item in readable:
                if item is self.sock:
                    continue
                if item == self.wakeup_r:
                    self._drain_wakeup()
                elif (zygote := self.by_sock.get(item)) is not None:
                    self._read_zygote(zygote)
            if self.sock in readable:
                self._read_parent()
            self._reap()
            if self.stop_deadline is not None and self._stopped():
                return

    def _drain_wakeup(self) -> None:
        try:
            while os.read(self.wakeup_r, 512):
                pass
        except BlockingIOError:
            pass

    def _tell_parent(self, message: tuple[Any, ...]) -> None:
        try:
            _send(self.sock, message)
        except OSError:
            self.parent_gone = True

    def _lost(self, request_id: int, reason: str) -> None:
        self._tell_parent(("lost", request_id, reason))

    # -- what the parent asks

    def _read_parent(self) -> None:
        try:
            message = _recv(self.sock)
        except OSError:
            message = None
        if message is None:
            self.parent_gone = True  # it died: the task processes go on and record their own results
            return
        kind = message[0]
        if kind == "spawn":
            self._spawn(*message[1:])
        elif kind == "kill":
            self._kill(message[1], message[2])
        elif kind == "call":
            self._call(message[2], message[3])
        elif kind == "stop":
            self._stop()

    def _spawn(self, request_id: int, target: str, args: tuple[Any, ...], spec: ZygoteSpec | None) -> None:
        if self.stop_deadline is not None:
            self._lost(request_id, "the fork server is stopping")
        elif spec is None:
            self._fork_child(request_id, target, args)
        else:
            self._spawn_in_zygote(request_id, target, args, spec)

    def _fork_child(self, request_id: int, target: str, args: tuple[Any, ...]) -> None:
        ours, theirs = socket.socketpair() if self.channels is not None else (None, None)
        gc.freeze()
        try:
            pid = os.fork()
        except OSError as error:
            for end in (ours, theirs):
                if end is not None:
                    end.close()
            self._lost(request_id, f"its process could not be forked: {error}")
            return
        if pid == 0:
            inherited = [self.sock, *self.by_sock, ours, self.channels, self.wakeup_r, self.wakeup_w]
            _run_child(target, args, theirs, inherited)
        if ours is not None and theirs is not None and self.channels is not None:
            theirs.close()
            try:
                hand_over(self.channels, ours)
            except OSError:
                _print_exc()  # no channel server: this child's requests fail, and it says so
            ours.close()
        self.children[pid] = request_id
        if self.load is not None:
            self._tell_parent(("started", request_id, pid))

    def _spawn_in_zygote(self, request_id: int, target: str, args: tuple[Any, ...], spec: ZygoteSpec) -> None:
        zygote = self.zygotes.get(spec[0])
        if zygote is None:
            try:
                zygote = self._start_zygote(spec)
            except OSError as error:
                self._lost(request_id, f"its zygote could not be forked: {error}")
                return
        zygote.started[request_id] = None
        self.owner[request_id] = zygote
        assert zygote.sock is not None
        try:
            _send(zygote.sock, ("spawn", request_id, target, args, None))
        except OSError:
            self._zygote_closed(zygote)  # it is dying: when it is reaped, this request is reported lost

    def _start_zygote(self, spec: ZygoteSpec) -> _Zygote:
        key, load_target, load_args = spec
        self._evict_idle(MAX_ZYGOTES - 1)
        ours, theirs = socket.socketpair()
        try:
            pid = os.fork()
        except OSError:
            ours.close()
            theirs.close()
            raise
        if pid == 0:
            code = 0
            try:
                signal.set_wakeup_fd(-1)
                for item in (self.sock, ours, *self.by_sock):
                    item.close()
                os.close(self.wakeup_r)
                os.close(self.wakeup_w)
                serve(theirs.detach(), [], (load_target, load_args), self.channels)
            except BaseException:  # noqa: BLE001 - report, then leave
                _print_exc()
                code = 1
            finally:
                os._exit(code)
        theirs.close()
        zygote = _Zygote(key, ours, pid)
        self.zygotes[key] = self.zygote_pids[pid] = self.by_sock[ours] = zygote
        return zygote

    def _evict_idle(self, keep: int) -> None:
        idle = [z for z in self.zygotes.values() if not z.started]
        for zygote in idle[: max(len(self.zygotes) - keep, 0)]:
            self._forget_socket(zygote)  # it sees its socket close and ends; reaped like any child

    def _kill(self, request_id: int, sig: int) -> None:
        zygote = self.owner.get(request_id)
        if zygote is not None:
            zygote.kills[request_id] = sig
            if zygote.sock is not None:
                try:
                    _send(zygote.sock, ("kill", request_id, sig))
                except OSError:
                    self._zygote_closed(zygote)
            return
        for pid, rid in self.children.items():
            if rid == request_id:
                _kill_group(pid, sig)

    def _call(self, target: str, args: tuple[Any, ...]) -> None:
        try:
            _resolve(target)(*args)
        except Exception:  # noqa: BLE001 - a failed warm-up only costs speed
            _print_exc()
        gc.freeze()
        self._tell_parent(("called", 0, None))

    def _stop(self) -> None:
        self.stop_deadline = time.monotonic() + STOP_GRACE
        for zygote in list(self.by_sock.values()):
            try:
                _send(zygote.sock, ("stop", 0, None))  # type: ignore[arg-type]
            except OSError:
                self._zygote_closed(zygote)
        for pid in self.children:
            _kill_group(pid)

    def _stopped(self) -> bool:
        """While stopping: True once every child and zygote has ended (then whatever tasks left
        behind is killed too); past the grace period, zygotes that did not stop are killed."""
        if self.children or self.zygote_pids:
            if self.stop_deadline is not None and time.monotonic() >= self.stop_deadline:
                for pid in self.zygote_pids:
                    _kill(pid)
                for pid in self.children:
                    _kill_group(pid)
            return False
        if self.subreaper:
            subreaper.kill_descendants(timeout=STOP_GRACE)
        return True

    # -- what zygotes say

    def _read_zygote(self, zygote: _Zygote) -> None:
        assert zygote.sock is not None
        try:
            message = _recv(zygote.sock)
        except OSError:
            message = None
        if message is None:
            self._zygote_closed(zygote)
        else:
            self._zygote_said(zygote, message)

    def _zygote_said(self, zygote: _Zygote, message: tuple[Any, ...]) -> None:
        kind, request_id, value = message
        if kind == "started":
            zygote.started[request_id] = value
            self.grandchildren[value] = (zygote, request_id)
        elif kind in ("exited", "lost"):
            pid = zygote.started.pop(request_id, None)
            if pid is not None:
                self.grandchildren.pop(pid, None)
            self.owner.pop(request_id, None)
            zygote.kills.pop(request_id, None)
            self._tell_parent(message)

    def _forget_socket(self, zygote: _Zygote) -> None:
        if zygote.sock is None:
            return
        self.by_sock.pop(zygote.sock, None)
        if self.zygotes.get(zygote.key) is zygote:
            del self.zygotes[zygote.key]
        zygote.sock.close()
        zygote.sock = None

    def _zygote_closed(self, zygote: _Zygote, timeout: float | None = None) -> None:
        """The zygote's socket broke (it died): read what it said before, then let it go. New work
        for its key goes to a new zygote; its requests are settled when it is reaped."""
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
            self._zygote_said(zygote, message)
        self._forget_socket(zygote)

    def _zygote_ended(self, zygote: _Zygote) -> None:
        """A zygote was reaped: its living task processes are this server's children now (a
        subreaper); adopt them, and report what it never started."""
        self._zygote_closed(zygote, timeout=0.05)  # a just-forked child may still hold its socket
        if any(pid is None for pid in zygote.started.values()):
            self._kill_strays()
        for request_id, pid in zygote.started.items():
            self.owner.pop(request_id, None)
            if pid is None:
                self._lost(request_id, f"its zygote (pid {zygote.pid}) ended before starting it")
                continue
            self.grandchildren.pop(pid, None)
            self._adopt(request_id, pid, zygote)
        zygote.started.clear()

    def _adopt(self, request_id: int, pid: int, zygote: _Zygote) -> None:
        if not self.subreaper:  # without a subreaper, its children went to init: kill them
            _kill_group(pid)
            self._tell_parent(("exited", request_id, -signal.SIGKILL))
            return
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            self._lost(request_id, f"it ended as its zygote (pid {zygote.pid}) died; its exit code is unknown")
            return
        if done:
            _kill_group(pid)
            self._tell_parent(("exited", request_id, os.waitstatus_to_exitcode(status)))
            return
        self.children[pid] = request_id
        sig = signal.SIGKILL if self.stop_deadline is not None else zygote.kills.get(request_id)
        if sig is not None:
            _kill_group(pid, sig)

    def _kill_strays(self) -> None:
        """Kill the children of this server nobody told it about, in its session: a zygote that
        died between forking a task process and reporting it leaves one, which must not run a
        request that is reported lost (and run again)."""
        known = self.children.keys() | self.zygote_pids.keys() | self.grandchildren.keys()
        session = os.getsid(0)
        for pid in subreaper.child_pids():
            if pid in known:
                continue
            try:
                if os.getsid(pid) != session:
                    continue  # a daemon a task started: its session, not a task process
                if os.getpgid(pid) == pid:
                    os.killpg(pid, signal.SIGKILL)
                else:
                    os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass

    # -- reaping

    def _reap(self) -> None:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._reaped(pid, os.waitstatus_to_exitcode(status))

    def _reaped(self, pid: int, code: int) -> None:
        request_id = self.children.pop(pid, None)
        if request_id is not None:
            _kill_group(pid)
            self._tell_parent(("exited", request_id, code))
            return
        zygote = self.zygote_pids.pop(pid, None)
        if zygote is not None:
            self._zygote_ended(zygote)
            return
        adopted = self.grandchildren.pop(pid, None)
        if adopted is not None:  # a dead zygote's task process, reaped before the zygote itself
            zygote, request_id = adopted
            zygote.started.pop(request_id, None)
            self.owner.pop(request_id, None)
            _kill_group(pid)
            self._tell_parent(("exited", request_id, code))
        # otherwise an orphan a task left behind: reaped, nothing to report


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def serve(
    fd: int,
    preload: list[str],
    load: tuple[str, tuple[Any, ...]] | None = None,
    channels: socket.socket | int | None = None,
) -> None:
    """The main loop of a fork server (and of a zygote, which is a fork server that ran ``load``).

    A spawn request may name a zygote ``(key, load_target, load_args)``: the request goes to the
    zygote with that key, which is forked from this server and runs ``load_target(*load_args)``
    first (e.g. importing a DAG file), so its children start with that work done. With
    ``channels`` (a control socket to a channel server, or its fd) every child gets a channel
    to that server (``PARENT_CHANNEL``).
    """
    sock = socket.socket(fileno=fd)
    if isinstance(channels, int):
        channels = socket.socket(fileno=channels)
    for module in preload:
        try:
            importlib.import_module(module)
        except ImportError:
            _print_exc()
    if load is not None:
        try:
            _resolve(load[0])(*load[1])
        except Exception:  # noqa: BLE001 - children redo the work and report the error themselves
            _print_exc()
    gc.freeze()
    _Server(sock, load, channels).run()
