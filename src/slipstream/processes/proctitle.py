"""The title a task process shows in ``ps`` and ``top``: ``slipstream task <dag>.<task>[<map_index>]
try <n>`` instead of the fork server's ``python3 -c ...`` command line it was forked from."""

from __future__ import annotations

try:  # imported with the fork server's preloads, so a task process does not pay for it
    import setproctitle as _setproctitle
except ImportError:  # pragma: no cover - a dependency; without it only the short name is set
    _setproctitle = None

PR_SET_NAME = 15
SHORT_NAME_BYTES = 15  # the kernel's limit for a thread's name (``ps -o comm``)


def task_title(dag_id: str, task_id: str, map_index: int, try_number: int) -> str:
    index = f"[{map_index}]" if map_index >= 0 else ""
    title = f"slipstream task {dag_id}.{task_id}{index} try {try_number}"
    return "".join(c if c.isprintable() else "?" for c in title)  # an id may hold a NUL or a newline


def set_process_title(title: str) -> None:
    """Show ``title`` as this process's command line (``ps``, ``/proc/<pid>/cmdline``) and its
    start as its name (``ps -o comm``, ``/proc/<pid>/comm``)."""
    if _setproctitle is not None:
        _setproctitle.setproctitle(title)
    _set_short_name(title)


def _set_short_name(title: str) -> None:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_NAME, title.encode()[:SHORT_NAME_BYTES], 0, 0, 0)
    except (OSError, AttributeError):  # not Linux: the command line is enough
        pass


def name_task_process(dag_id: str, task_id: str, map_index: int, try_number: int) -> None:
    set_process_title(task_title(dag_id, task_id, map_index, try_number))
