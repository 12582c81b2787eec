"""A small fork server: a warm, single-threaded process that forks a child per request.

Starting a Python process from scratch and importing Jinja and the operators costs tens of
milliseconds; forking a process that has already imported them costs about one. The parent
talks to the server over a socket pair with length-prefixed pickles:

    parent -> server  ("spawn", request_id, "module:function", args, zygote)
                                                                       fork a child that calls it
    parent -> server  ("kill", request_id, signal)                     signal the child's process group
    parent -> server  ("call", 0, "module:function", args)             run in the server itself (warm-up)
    server -> parent  ("ready", 0, pid)                                preloading is done
    server -> parent  ("called", 0, None)                              a call has returned
    zygote -> server  ("started", request_id, pid)                     so the server can clean up after a dead zygote
    server -> parent  ("exited", request_id, exit_code)                negative: killed by that signal
    server or zygote -> channel server (b"c" + an fd, SCM_RIGHTS)      a new child's channel, to answer

A server started with a control socket to a channel server (``channels``) gives every child it
forks, and every child of its zygotes, a channel to that process (``PARENT_CHANNEL``): the
forking processes only fork, and the channel server answers (see ``channel_server``).
Every child leads its own process group, so a kill reaches the processes it started too.
The server stops when the parent closes its end of the socket.
"""

from __future__ import annotations

import gc
import importlib
import os
import select
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from typing import Any

from slipstream.processes.channel_server import hand_over
from slipstream.processes.wire import recv as _recv
from slipstream.processes.wire import send as _send

MAX_ZYGOTES = 16

# In a child of a server with a channel server: the socket to the process that answers its requests.
PARENT_CHANNEL: socket.socket | None = None


def _resolve(target: str) -> Callable[..., Any]:
    module_name, _, attribute = target.partition(":")
    return getattr(importlib.import_module(module_name), attribute)


# -- the server side ---------------------------------------------------------------------------


def _run_child(
    sock: socket.socket,
    wakeup_r: int,
    wakeup_w: int,
    target: str,
    args: tuple[Any, ...],
    others: list[socket.socket],
    channel: socket.socket | None,
) -> None:
    global PARENT_CHANNEL
    code = 0
    PARENT_CHANNEL = channel
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        sock.close()
        for other in others:
            other.close()
        os.close(wakeup_r)
        os.close(wakeup_w)
        os.setpgrp()
        _resolve(target)(*args)
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - report anything, then leave
        traceback.print_exc()
        code = 1
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _kill_leftovers(pid: int) -> None:
    """A child led its own process group; whatever it started and left running dies with it,
    so a retry never runs beside the remains of the try before."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


class _Zygote:
    """A child of the server that has loaded one DAG file and forks that file's task processes."""

    def __init__(self, sock: socket.socket, pid: int) -> None:
        self.sock = sock
        self.pid = pid
        self.running: set[int] = set()
        self.pids: dict[int, int] = {}


def _start_zygote(
    sock: socket.socket,
    wakeup: tuple[int, int],
    zygotes: dict[str, _Zygote],
    load: tuple[str, tuple[Any, ...]],
    channels: socket.socket | None,
) -> _Zygote:
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.set_wakeup_fd(-1)
            sock.close()
            ours.close()
            for other in zygotes.values():
                other.sock.close()
            os.close(wakeup[0])
            os.close(wakeup[1])
            serve(theirs.detach(), [], load, channels)
        except BaseException:  # noqa: BLE001 - report, then leave
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    theirs.close()
    return _Zygote(ours, pid)


def _evict_idle(zygotes: dict[str, _Zygote], keep: int) -> None:
    for key in [k for k, z in zygotes.items() if not z.running][: max(len(zygotes) - keep, 0)]:
        zygotes.pop(key).sock.close()


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
            traceback.print_exc()
    if load is not None:
        try:
            _resolve(load[0])(*load[1])
        except Exception:  # noqa: BLE001 - children redo the work and report the error themselves
            traceback.print_exc()
    gc.freeze()
    wakeup_r, wakeup_w = os.pipe()
    os.set_blocking(wakeup_r, False)
    os.set_blocking(wakeup_w, False)
    signal.set_wakeup_fd(wakeup_w)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    children: dict[int, int] = {}
    zygotes: dict[str, _Zygote] = {}
    zygote_pids: set[int] = set()
    owner: dict[int, _Zygote] = {}
    _send(sock, ("ready", 0, os.getpid()))
    while True:
        watched = [sock, wakeup_r, *(z.sock for z in zygotes.values())]
        readable, _, _ = select.select(watched, [], [])
        if wakeup_r in readable:
            try:
                while os.read(wakeup_r, 512):
                    pass
            except BlockingIOError:
                pass
        for key, zygote in list(zygotes.items()):
            if zygote.sock not in readable:
                continue
            message = _recv(zygote.sock)
            if message is None:
                zygotes.pop(key).sock.close()
                for request_id in zygote.running:
                    owner.pop(request_id, None)
                    if request_id in zygote.pids:
                        _kill_leftovers(zygote.pids[request_id])
                    _send(sock, ("exited", request_id, -signal.SIGKILL))
                continue
            kind, request_id, value = message
            if kind == "started":
                zygote.pids[request_id] = value
            elif kind == "exited":
                zygote.running.discard(request_id)
                zygote.pids.pop(request_id, None)
                owner.pop(request_id, None)
                _send(sock, message)
        if sock in readable:
            message = _recv(sock)
            if message is None:
                return
            kind = message[0]
            if kind == "spawn":
                _, request_id, target, args, zygote_spec = message
                if zygote_spec is not None:
                    key, load_target, load_args = zygote_spec
                    zygote = zygotes.get(key)
                    if zygote is None:
                        _evict_idle(zygotes, MAX_ZYGOTES - 1)
                        zygote = zygotes[key] = _start_zygote(
                            sock, (wakeup_r, wakeup_w), zygotes, (load_target, load_args), channels
                        )
                        zygote_pids.add(zygote.pid)
                    zygote.running.add(request_id)
                    owner[request_id] = zygote
                    _send(zygote.sock, ("spawn", request_id, target, args, None))
                else:
                    ours, theirs = socket.socketpair() if channels is not None else (None, None)
                    gc.freeze()
                    pid = os.fork()
                    if pid == 0:
                        others = [z.sock for z in zygotes.values()] + ([ours, channels] if ours else [])
                        _run_child(sock, wakeup_r, wakeup_w, target, args, others, theirs)
                    if ours is not None and theirs is not None and channels is not None:
                        theirs.close()
                        try:
                            hand_over(channels, ours)
                        except OSError:
                            traceback.print_exc()  # no channel server: this child's requests fail, and it says so
                        ours.close()
                    children[pid] = request_id
                    if load is not None:
                        _send(sock, ("started", request_id, pid))
            elif kind == "call":
                _, _, target, args = message
                try:
                    _resolve(target)(*args)
                except Exception:  # noqa: BLE001 - a failed warm-up only costs speed
                    traceback.print_exc()
                gc.freeze()
                _send(sock, ("called", 0, None))
            elif kind == "kill":
                _, request_id, sig = message
                if request_id in owner:
                    _send(owner[request_id].sock, message)
                for pid, rid in children.items():
                    if rid == request_id:
                        try:
                            os.killpg(pid, sig)
                        except ProcessLookupError:
                            pass
        while children or zygote_pids:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            zygote_pids.discard(pid)
            request_id = children.pop(pid, None)
            if request_id is not None:
                _kill_leftovers(pid)
                _send(sock, ("exited", request_id, os.waitstatus_to_exitcode(status)))
