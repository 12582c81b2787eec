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
a child subreaper, so a zygote that dies leaves no task process out of reach (see ``zygotes``):
the server adopts them and reports their real exits, and reports ``lost`` what the zygote never
started. A ``stop`` kills every child still running and every process a task left behind,
reports them, and ends the server.
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
from slipstream.processes.zygotes import Zygote, Zygotes, kill_group

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


class _Server:
    """One fork server (or zygote) process: answers its parent, forks, reaps, reports."""

    def __init__(self, sock: socket.socket, load: tuple[str, tuple[Any, ...]] | None, channels: socket.socket | None) -> None:
        self.sock = sock
        self.load = load
        self.channels = channels
        self.children: dict[int, int] = {}  # pid -> request id: forked here, or adopted from a dead zygote
        self.parent_gone = False
        self.parent_pid = os.getppid()
        self.stop_deadline: float | None = None
        self.zygotes = Zygotes(self._tell_parent, self._adopt, load is None and subreaper.become_subreaper())
        self.wakeup_r, self.wakeup_w = os.pipe()
        os.set_blocking(self.wakeup_r, False)
        os.set_blocking(self.wakeup_w, False)
        signal.set_wakeup_fd(self.wakeup_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        signal.signal(signal.SIGINT, signal.SIG_IGN)

    def run(self) -> None:
        self._tell_parent(("ready", 0, os.getpid()))
        by_sock = self.zygotes.by_sock
        while not self.parent_gone:
            timeout = None if self.stop_deadline is None else 0.1
            readable, _, _ = select.select([self.sock, self.wakeup_r, *by_sock], [], [], timeout)
            for item in readable:
                if item == self.wakeup_r:
                    self._drain_wakeup()
                elif item is not self.sock and (zygote := by_sock.get(item)) is not None:
                    self.zygotes.read(zygote)
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
        if os.getppid() != self.parent_pid:
            # The parent died with this request still unread here (a zygote busy loading its DAG
            # file reads late): it was reported lost, and runs elsewhere; start nothing more.
            self.parent_gone = True
        elif self.stop_deadline is not None:
            self._tell_parent(("lost", request_id, "the fork server is stopping"))
        elif spec is None:
            self._fork_child(request_id, target, args)
        else:
            zygote = self.zygotes.by_key.get(spec[0])
            if zygote is None:
                try:
                    zygote = self._start_zygote(spec)
                except OSError as error:
                    self._tell_parent(("lost", request_id, f"its zygote could not be forked: {error}"))
                    return
            self.zygotes.send(zygote, request_id, ("spawn", request_id, target, args, None))

    def _fork_child(self, request_id: int, target: str, args: tuple[Any, ...]) -> None:
        ours, theirs = socket.socketpair() if self.channels is not None else (None, None)
        gc.freeze()
        try:
            pid = os.fork()
        except OSError as error:
            for end in (ours, theirs):
                if end is not None:
                    end.close()
            self._tell_parent(("lost", request_id, f"its process could not be forked: {error}"))
            return
        if pid == 0:
            inherited = [self.sock, *self.zygotes.by_sock, ours, self.channels, self.wakeup_r, self.wakeup_w]
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

    def _start_zygote(self, spec: ZygoteSpec) -> Zygote:
        key, load_target, load_args = spec
        self.zygotes.evict_idle(MAX_ZYGOTES - 1)
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
                for item in (self.sock, ours, *self.zygotes.by_sock):
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
        zygote = Zygote(key, ours, pid)
        self.zygotes.add(zygote)
        return zygote

    def _kill(self, request_id: int, sig: int) -> None:
        if self.zygotes.kill(request_id, sig):
            return
        for pid, rid in self.children.items():
            if rid == request_id:
                kill_group(pid, sig)

    def _call(self, target: str, args: tuple[Any, ...]) -> None:
        try:
            _resolve(target)(*args)
        except Exception:  # noqa: BLE001 - a failed warm-up only costs speed
            _print_exc()
        gc.freeze()
        self._tell_parent(("called", 0, None))

    def _stop(self) -> None:
        self.stop_deadline = time.monotonic() + STOP_GRACE
        self.zygotes.stop()
        for pid in self.children:
            kill_group(pid)

    def _stopped(self) -> bool:
        """While stopping: True once every child and zygote has ended (then whatever tasks left
        behind is killed too); past the grace period, zygotes that did not stop are killed."""
        if self.children or self.zygotes.by_pid:
            if self.stop_deadline is not None and time.monotonic() >= self.stop_deadline:
                for pid in self.zygotes.by_pid:
                    _kill(pid)
                for pid in self.children:
                    kill_group(pid)
            return False
        if self.zygotes.subreaper:
            subreaper.kill_descendants(timeout=STOP_GRACE)
        return True

    # -- reaping

    def _adopt(self, pid: int, request_id: int, sig: int | None) -> None:
        self.children[pid] = request_id
        if sig is not None:
            kill_group(pid, sig)

    def _reap(self) -> None:
        for pid, code in subreaper.reap_ended():
            request_id = self.children.pop(pid, None)
            if request_id is not None:
                kill_group(pid)
                self._tell_parent(("exited", request_id, code))
            else:  # a zygote, a dead zygote's task process, or an orphan a task left behind
                self.zygotes.reaped(pid, code, self.children, self.stop_deadline is not None)


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


def main(argv: list[str]) -> None:
    """A fork server process: ``argv`` is its socket's descriptor, its channel server's (or
    ``-``), then the modules to preload (``client.ForkServer`` starts it)."""
    serve(int(argv[0]), argv[2:], None, int(argv[1]) if argv[1] != "-" else None)
