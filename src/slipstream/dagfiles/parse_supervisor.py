"""The process that parses one DAG file: it supervises the import, and cleans up after it.

It runs in a child of the parser's fork server (leading its own process group), adopts
orphans (a subreaper, ``processes/subreaper.py``), imports the file in a child of its own with
a memory limit, waits for it at most the parse timeout, then kills every process the file left
behind (in a new session or not) before it writes the result and exits. A SIGTERM (the
scheduler stopping, or the fork server gone: the parent-death signal) ends it the same way.
"""

from __future__ import annotations

import os
import signal
import time

from slipstream.processes import subreaper
from slipstream.processes.proc_stat import stat_fields

MEMORY_HINT = (
    "the parser gives a DAG file at most {limit} MiB of address space (setting [core] dag_file_memory_limit, "
    "in MiB; 0 for no limit): move large work out of the top level of the file, or raise the limit"
)


def supervise(
    path: str, default_timezone: str, result_path: str, data_intervals: tuple[bool, bool], timeout: float = 0.0,
    memory_limit: int = 0,
) -> None:
    """The parse of one file, in a child of the fork server that leads its own process group.

    This process only supervises: it adopts orphans (a subreaper), imports the file in a child
    of its own, waits for it at most ``timeout`` seconds, then kills every process the file left
    behind (in a new session or not) before it writes the result. Stdin is /dev/null, so
    ``input()`` in a DAG file reads nothing instead of the scheduler's terminal."""
    import pickle

    from slipstream.dagfiles import parsing

    started = time.perf_counter()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    subreaper.become_subreaper()
    parent = os.getppid()

    class _Stopped(Exception):
        pass

    def stop(*_: object) -> None:
        raise _Stopped

    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    signal.signal(signal.SIGTERM, stop)
    subreaper.signal_on_parent_death(signal.SIGTERM)
    if os.getppid() != parent:
        return
    pid = os.fork()
    if pid == 0:
        _import_child(path, default_timezone, result_path, data_intervals, memory_limit)
    with open(result_path + ".pid.tmp", "w") as handle:
        handle.write(str(pid))
    os.replace(result_path + ".pid.tmp", result_path + ".pid")
    failure = None
    line: int | None = None
    stack = ""
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        code = _wait(pid, timeout)
        if code is None:
            line, stack = _where_it_hangs(pid, path, result_path + ".stack")
            failure = (
                f"DagFileTimeout: loading the DAG file took longer than {timeout:g} s and was stopped "
                + (f"at line {line} " if line else "")
                + "(setting [core] dagbag_import_timeout); move slow work out of the top level of the file"
            )
        elif not os.path.exists(result_path):
            failure = early_exit_message(code, memory_limit)
    except _Stopped:
        failure = "the parse was stopped: the scheduler is stopping"
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        subreaper.kill_descendants()  # the import itself, if it still runs, and all it started
    if failure is not None:
        with open(result_path + ".tmp", "wb") as handle:
            pickle.dump(parsing._failed(path, failure, started, line, stack), handle)
        os.replace(result_path + ".tmp", result_path)


def _wait(pid: int, timeout: float) -> int | None:
    """The exit code of child ``pid`` (negative: the signal that killed it), None once ``timeout`` passed."""
    import select

    deadline = time.monotonic() + timeout if timeout > 0 else None
    pidfd = os.pidfd_open(pid)
    try:
        while True:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            select.select([pidfd], [], [], left)
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                return os.waitstatus_to_exitcode(status)
            if deadline is not None and time.monotonic() >= deadline:
                return None
    finally:
        os.close(pidfd)


def _where_it_hangs(pid: int, path: str, stack_path: str) -> tuple[int | None, str]:
    """Where the import of ``path`` is now: the line in the DAG file (the innermost frame in it)
    and the stack, dumped by faulthandler in the import process on SIGUSR1."""
    import re

    try:
        os.kill(pid, signal.SIGUSR1)
    except ProcessLookupError:
        return None, ""
    deadline, size = time.monotonic() + 0.5, -1
    while time.monotonic() < deadline:
        time.sleep(0.02)
        try:
            now = os.path.getsize(stack_path)
        except OSError:
            return None, ""
        if now and now == size:
            break
        size = now
    with open(stack_path, errors="replace") as handle:
        dump = handle.read()
    for section in re.split(r"\n(?=\S)", dump):
        if f'File "{path}", line' not in section or "in <module>" not in section:
            continue
        found = re.search(rf'File "{re.escape(path)}", line (\d+)', section)
        if found:
            frames = section.strip().splitlines()
            cut = next((i for i, frame in enumerate(frames) if "_call_with_frames_removed" in frame), len(frames))
            return int(found.group(1)), "Where the file was loading when it was stopped:\n" + "\n".join(frames[:cut]) + "\n"
    return None, dump


def early_exit_message(code: int, memory_limit: int) -> str:
    if code < 0:
        how = f"killed by signal {signal.Signals(-code).name}"
        if memory_limit and -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            how += "; if it ran out of memory: " + MEMORY_HINT.format(limit=memory_limit)
    else:
        how = f"exit code {code}"
    return (
        f"The DAG file stopped the parser process before it finished loading ({how}); does it call os._exit() "
        "or crash the interpreter?"
    )


def _import_child(
    path: str, default_timezone: str, result_path: str, data_intervals: tuple[bool, bool], memory_limit: int
) -> None:
    import pickle
    import resource
    import sys

    code = 1
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        sys.stdin = open(0, closefd=False)
        sys.stdout = open(1, "w", closefd=False)
        import faulthandler

        # the supervisor asks where a file that does not finish is (SIGUSR1), before it stops it
        faulthandler.register(signal.SIGUSR1, file=open(result_path + ".stack", "w"), all_threads=True)
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if memory_limit > 0:
            limit = memory_limit * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit if hard < 0 else min(limit, hard), hard))
        from slipstream.dagfiles.parsing import parse_in_this_process

        parsed = parse_in_this_process(path, default_timezone, data_intervals)
        if memory_limit > 0:
            for error in parsed.errors:
                if error["exception"].startswith("MemoryError"):
                    error["exception"] += " (" + MEMORY_HINT.format(limit=memory_limit) + ")"
        if memory_limit > 0:
            resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        with open(result_path + ".tmp", "wb") as handle:
            pickle.dump(parsed, handle)
        os.replace(result_path + ".tmp", result_path)
        code = 0
    except BaseException:  # noqa: BLE001 - the supervisor reports an exit without a result
        import traceback

        traceback.print_exc()
    finally:
        os._exit(code)


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) process ``pid`` has used so far, None when it is gone."""
    fields = stat_fields(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
