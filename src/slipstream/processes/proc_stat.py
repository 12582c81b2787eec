"""What Linux's /proc says of one process: the fields of ``/proc/PID/stat``."""

from __future__ import annotations


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields after the command name (which may hold spaces and parentheses): ``[0]`` the
    state, ``[1]`` the parent's pid, ``[2]`` the process group, ``[3]`` the session, ``[11]`` and
    ``[12]`` user and system time, ``[19]`` the start time (clock ticks since boot). None when
    there is no such process, or no /proc."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
