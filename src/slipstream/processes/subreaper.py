"""A process that adopts every orphan among its descendants, and can kill them all.

A process that marks itself a *child subreaper* (Linux ``prctl(PR_SET_CHILD_SUBREAPER)``)
becomes the parent of any descendant whose own parent dies: a double fork, ``setsid`` or
``start_new_session=True`` no longer lets a process slip away to PID 1. Its descendants are then
all reachable as its children, its children's children, and so on, and ``kill_descendants``
kills them until none is left.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time
from collections.abc import Iterator

from slipstream.processes.proc_stat import stat_fields

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36


def _prctl(option: int, value: int) -> bool:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    """Adopt orphaned descendants from now on; False where the kernel cannot (not Linux)."""
    return _prctl(PR_SET_CHILD_SUBREAPER, 1)


def signal_on_parent_death(sig: int) -> bool:
    """Receive ``sig`` when the parent (the thread that forked this process) ends."""
    return _prctl(PR_SET_PDEATHSIG, sig)


def child_pids(pid: int | None = None) -> list[int]:
    """The children of ``pid`` (default: this process), read from /proc."""
    pid = os.getpid() if pid is None else pid
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
        for tid in tasks:
            with open(f"/proc/{pid}/task/{tid}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
        return found
    except FileNotFoundError:
        pass  # a kernel without CONFIG_PROC_CHILDREN: look at every process's parent
    except OSError:
        return found
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (fields := stat_fields(entry)) is not None and len(fields) > 1 and int(fields[1]) == pid:
            found.append(int(entry))
    return found


def kill_descendants(timeout: float = 10.0) -> int:
    """SIGKILL every child, reap it, and repeat with the orphans that come back to this process
    (a subreaper) until it has no child left or ``timeout`` passes. Returns how many it killed."""
    killed: set[int] = set()
    deadline = time.monotonic() + timeout
    while True:
        children = child_pids()
        for pid in children:
            try:
                os.kill(pid, signal.SIGKILL)
                killed.add(pid)
            except ProcessLookupError:
                pass
        try:
            while os.waitpid(-1, os.WNOHANG)[0] != 0:
                pass
        except ChildProcessError:
            return len(killed)
        if time.monotonic() > deadline:
            return len(killed)
        if not children:
            time.sleep(0.002)


def reap_ended() -> Iterator[tuple[int, int]]:
    """Each child that has ended, as (pid, exit code; negative: the signal that killed it), reaped
    without waiting for any that still runs."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        yield pid, os.waitstatus_to_exitcode(status)
