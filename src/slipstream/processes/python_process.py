"""Start a Python function in a process of its own: a fresh interpreter, or a fork of this one
when this process is warm (a command run by the warm start server, ``cli/warm``), which has
the modules that process needs imported already and saves it their import.

A fork is taken only while this process has a single thread: a fork copies every lock as it
is, and a lock another thread held would never be released in the child.
"""

from __future__ import annotations

import gc
import os
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Sequence
from typing import Protocol

_forks_allowed = False


class Process(Protocol):
    """What callers use of a started process: ``subprocess.Popen`` has it, and so has ``Forked``."""

    pid: int
    returncode: int | None

    def poll(self) -> int | None: ...
    def wait(self, timeout: float | None = None) -> int: ...
    def send_signal(self, sig: int) -> None: ...
    def terminate(self) -> None: ...
    def kill(self) -> None: ...


def allow_forks(allowed: bool = True) -> None:
    """This process is warm: its Python processes may be forks of it instead of new interpreters."""
    global _forks_allowed
    _forks_allowed = allowed


def forks_allowed() -> bool:
    return _forks_allowed and threading.active_count() == 1


def start(target: str, args: Sequence[str], pass_fds: Sequence[int] = ()) -> Process:
    """Run ``target(args)`` (``"package.module:function"``, the function taking a list of strings)
    in a new process, in a session of its own, with stdin on /dev/null, stdout and stderr shared,
    and of this process's file descriptors only ``pass_fds``."""
    if forks_allowed():
        return _fork(target, list(args), pass_fds)
    module, function = target.split(":")
    code = f"import sys; from {module} import {function}; {function}(sys.argv[1:])"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args], pass_fds=list(pass_fds), start_new_session=True, stdin=subprocess.DEVNULL
    )


class Forked:
    """A child made by ``os.fork``, with the part of ``subprocess.Popen``'s interface callers use."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._lock = threading.Lock()

    def poll(self) -> int | None:
        return self._reap(os.WNOHANG)

    def wait(self, timeout: float | None = None) -> int:
        if timeout is None:
            code = self._reap(0)
            assert code is not None
            return code
        deadline = time.monotonic() + timeout
        while (code := self._reap(os.WNOHANG)) is None:
            if time.monotonic() >= deadline:
                raise subprocess.TimeoutExpired(f"pid {self.pid}", timeout)
            time.sleep(0.005)
        return code

    def _reap(self, flags: int) -> int | None:
        # As Popen: a poll while another thread waits (holding the lock) answers "still running".
        if not self._lock.acquire(blocking=not flags & os.WNOHANG):
            return self.returncode
        try:
            if self.returncode is not None:
                return self.returncode
            try:
                pid, status = os.waitpid(self.pid, flags)
            except ChildProcessError:  # reaped elsewhere: its code is lost
                self.returncode = 0
                return self.returncode
            if pid == 0:
                return None
            self.returncode = os.waitstatus_to_exitcode(status)
            return self.returncode
        finally:
            self._lock.release()

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _fork(target: str, args: list[str], pass_fds: Sequence[int]) -> Forked:
    module, function = target.split(":")
    title = f"{sys.executable} -c from {module} import {function} {' '.join(args)}"
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid:
        return Forked(pid)
    code = 1
    try:
        # What the parent left behind stays as it is: collecting it could close a descriptor
        # number that _keep_only closed and a new file took since.
        gc.freeze()
        os.setsid()
        reset_signals()
        _keep_only(set(pass_fds))
        _set_title(title)  # what ``ps`` shows, and what finds a fork server by its command line
        import importlib

        getattr(importlib.import_module(module), function)(args)
        code = 0
    except SystemExit as exit_:
        code = exit_code(exit_)
    except BaseException:  # noqa: BLE001 - the process ends here either way
        traceback.print_exc()
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _keep_only(kept: set[int]) -> None:
    """stdin on /dev/null; every descriptor above stderr closed but ``kept`` (as ``close_fds``)."""
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in kept:
            try:
                os.close(fd)
            except OSError:
                pass  # the listing's own descriptor, closed already


def _set_title(title: str) -> None:
    from slipstream.processes.proctitle import set_process_title

    set_process_title(title)


def reset_signals() -> None:
    """The signal handlers a new interpreter starts with, in a fork of a process that changed them."""
    signal.set_wakeup_fd(-1)
    defaults = {
        signal.SIGINT: signal.default_int_handler, signal.SIGTERM: signal.SIG_DFL, signal.SIGHUP: signal.SIG_DFL,
        signal.SIGCHLD: signal.SIG_DFL, signal.SIGPIPE: signal.SIG_IGN, signal.SIGQUIT: signal.SIG_DFL,
    }
    for sig, handler in defaults.items():
        signal.signal(sig, handler)


def exit_code(exit_: SystemExit) -> int:
    """The exit status a new interpreter ends with on ``exit_``: None is 0, a message is printed and 1."""
    if exit_.code is None or isinstance(exit_.code, int):
        return exit_.code or 0
    print(exit_.code, file=sys.stderr)
    return 1
