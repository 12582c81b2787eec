"""Finding Slipstream's processes of one chaos run through /proc, and killing one.

Only processes whose environment holds this run's ``SLIPSTREAM_HOME`` are looked at (every
process of the run inherits it from the scheduler the harness started), so the harness never
touches another installation on the same machine. Each is classified from its command line,
its process group and session (``/proc/<pid>/stat``) and where its stdout points:

- **scheduler**: ``slipstream scheduler`` (the harness started it);
- **store service**: ``python -c ... slipstream.executors.store_service ...``;
- the local executor's fork server family, ``python -c ... slipstream.processes.forkserver ...``
  with ``slipstream.executors.task_process`` among the modules it preloads (the DAG file
  processor's fork server preloads other modules and is left alone). Forked processes keep that
  command line, so the family is told apart by process group, session and stdout:
  - **task process**: its stdout (fd 1) is a file under the run's ``logs`` folder (a task
    process points fds 1 and 2 at its try's log before anything else);
  - **fork server**: started with a session of its own, so it leads its session (pid == sid);
  - **zygote**: the rest of the family (forked from the server, in the server's session and
    group, stdout still the scheduler's).

Victims are picked among the processes of the scheduler the harness started last (its
descendants through the parent chain), so a kill hits the live installation rather than a
leftover of a killed scheduler; only when none shows up for a while is a leftover taken.
"""

from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

KINDS = ("scheduler", "store_service", "fork_server", "zygote", "task")
KIND_NAMES = {
    "scheduler": "scheduler", "store_service": "store service", "fork_server": "fork server",
    "zygote": "zygote", "task": "task process",
}


@dataclass(frozen=True)
class Proc:
    pid: int
    ppid: int
    pgid: int
    sid: int
    cmdline: tuple[str, ...]
    stdout: str
    kind: str  # one of KINDS, or "parser", "other"


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def _stat(pid: int) -> tuple[int, int, int] | None:
    raw = _read(f"/proc/{pid}/stat")
    if raw is None:
        return None
    fields = raw[raw.rfind(b")") + 2:].split()
    if fields[0] in (b"Z", b"X"):  # a zombie has done its dying already
        return None
    return int(fields[1]), int(fields[2]), int(fields[3])


def classify(pid: int, pgid: int, sid: int, cmdline: tuple[str, ...], stdout: str, logs: str) -> str:
    text = " ".join(cmdline)
    if text.startswith("slipstream task "):  # its process title (processes/proctitle.py)
        return "task"
    if "slipstream.executors.store_service" in text:
        return "store_service"
    if "slipstream.processes.forkserver" in text:
        if "slipstream.executors.task_process" not in text:
            return "parser"
        if stdout.startswith(logs):
            return "task"
        if pid == sid:
            return "fork_server"
        return "zygote"
    if any(Path(arg).name == "slipstream" for arg in cmdline[:2]) and "scheduler" in cmdline:
        return "scheduler"
    return "other"


def scan(home: Path) -> list[Proc]:
    """Every live process of the run whose home is ``home``."""
    needle = f"SLIPSTREAM_HOME={home}".encode()
    logs = str(home / "logs") + "/"
    me = os.getpid()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == me:
            continue
        pid = int(entry)
        try:
            stdout = os.readlink(f"/proc/{pid}/fd/1")
        except OSError:
            stdout = ""
        environ = _read(f"/proc/{pid}/environ")
        # A task process's title (setproctitle) may take over the memory /proc shows as its
        # environment: it is known by its stdout, its try's log under this home.
        if not stdout.startswith(logs) and (not environ or needle not in environ.split(b"\0")):
            continue
        stat = _stat(pid)
        cmdline_raw = _read(f"/proc/{pid}/cmdline")
        if stat is None or not cmdline_raw:
            continue
        cmdline = tuple(a.decode(errors="replace") for a in cmdline_raw.rstrip(b"\0").split(b"\0"))
        ppid, pgid, sid = stat
        found.append(Proc(pid, ppid, pgid, sid, cmdline, stdout, classify(pid, pgid, sid, cmdline, stdout, logs)))
    return sorted(found, key=lambda p: p.pid)


def descendants(procs: list[Proc], root: int) -> list[Proc]:
    parent = {p.pid: p.ppid for p in procs}

    def under(pid: int) -> bool:
        seen = 0
        while pid in parent and seen < 64:
            pid = parent[pid]
            if pid == root:
                return True
            seen += 1
        return False

    return [p for p in procs if under(p.pid)]


def candidates(procs: list[Proc], kind: str, scheduler_pid: int | None, *, current_only: bool = True) -> list[Proc]:
    """The processes of ``kind`` under the current scheduler (``current_only``), or anywhere in the run."""
    if kind == "scheduler":
        return [p for p in procs if p.pid == scheduler_pid]
    if current_only and scheduler_pid is not None:
        return [p for p in descendants(procs, scheduler_pid) if p.kind == kind]
    return [p for p in procs if p.kind == kind]


def body_time_left(started: Path, pid: int, now: float) -> float | None:
    """Seconds until the body in ``pid`` ends its sleep (from its ``started/<pid>`` marker);
    None when it has not started one."""
    raw = _read(str(started / str(pid)))
    if not raw:
        return None
    try:
        return float(raw) - now
    except ValueError:
        return None


def kill(pid: int) -> bool:
    """SIGKILL one process; False if it was gone already."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return False
    return True
