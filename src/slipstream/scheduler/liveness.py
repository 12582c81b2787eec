"""Is the process that a row names still that process? Pids are reused, so a pid alone does not
say: the process's start time (from /proc) must not be later than the moment the row was written
by it (a job's start, a try's claim)."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

from slipstream.processes.proc_stat import stat_fields

HOSTNAME = socket.gethostname()
# /proc gives the start in clock ticks since boot and the boot time in whole seconds.
TOLERANCE = timedelta(seconds=2)
_boot_time: float | None = None


def _boot() -> float:
    global _boot_time
    if _boot_time is None:
        with open("/proc/stat") as stat:
            _boot_time = next(float(line.split()[1]) for line in stat if line.startswith("btime "))
    return _boot_time


def process_start(pid: int) -> datetime | None:
    """When process ``pid`` started; None when there is none (or only its zombie)."""
    fields = stat_fields(pid)
    if fields is None or fields[0] in ("Z", "X"):
        return None
    ticks = int(fields[19])  # field 22 of stat (starttime); fields[0] is field 3
    return datetime.fromtimestamp(_boot() + ticks / os.sysconf("SC_CLK_TCK"), UTC)


def same_process(pid: int | None, written_at: datetime | None) -> bool:
    """Whether ``pid`` on this host is still the process that wrote a row at ``written_at``."""
    if pid is None or pid <= 0:
        return False
    if not os.path.exists("/proc/stat"):  # no /proc: the pid alone
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    started = process_start(pid)
    if started is None:
        return False
    return written_at is None or started <= written_at + TOLERANCE
