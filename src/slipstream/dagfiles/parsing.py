"""Parsing DAG files in child processes with a time limit, so one bad file harms nothing else."""

from __future__ import annotations

import os
import queue
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slipstream.dagfiles.loader import ImportErrorInfo, load_dag_file
from slipstream.dagfiles.serialization import dag_hash, serialize_dag
from slipstream.processes.client import ForkServer
from slipstream.sdk.timezone import using_default_timezone
from slipstream.timetables.schedule import DEFAULT_DATA_INTERVALS, using_data_intervals

PRELOAD = [
    "slipstream.dagfiles.parsing", "slipstream.operators.bash", "slipstream.operators.python", "pendulum",
    "slipstream.timetables.schedule",
]


@dataclass
class ParsedFile:
    """What one file gave: serialized DAGs with their hashes, and import errors."""

    path: str
    dags: list[tuple[dict[str, Any], str]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0


def parse_in_this_process(
    path: str, default_timezone: str = "utc", data_intervals: tuple[bool, bool] = DEFAULT_DATA_INTERVALS
) -> ParsedFile:
    """Load and serialize one file here. User code runs: only call this in a child process.

    ``data_intervals``: the settings ``[scheduler] create_cron_data_intervals`` and
    ``create_delta_data_intervals``, seen by the file's DAGs too (``dag.timetable``)."""
    # airflow.utils.timezone.datetime(...) in the file reads the default time zone
    with using_default_timezone(default_timezone), using_data_intervals(*data_intervals):
        loaded = load_dag_file(path)
        parsed = ParsedFile(path=loaded.path, errors=[e.as_dict() for e in loaded.errors], seconds=loaded.seconds)
        for dag in loaded.dags:
            _add_serialized(parsed, loaded.path, dag, default_timezone)
    return parsed


def _add_serialized(parsed: ParsedFile, path: str, dag: Any, default_timezone: str) -> None:
    try:
        data = _as_stored(dag.dag_id, serialize_dag(dag, default_timezone))
        digest = dag_hash(data)
    except Exception as error:  # noqa: BLE001 - any serialization problem is the file's import error
        from slipstream.dagfiles.loader import describe_error

        parsed.errors.append(describe_error(path, error).as_dict())
        return
    parsed.dags.append((data, digest))


def _as_stored(dag_id: str, data: dict[str, Any]) -> dict[str, Any]:
    """The store keeps serialized DAGs as JSON: refuse here what it could not store, and give the
    DAG as the store will give it back (dict keys as strings, e.g. a param's ``{None: .., 1: ..}``)."""
    import json

    from slipstream.sdk.exceptions import DagDefinitionError

    try:
        return json.loads(json.dumps(data))
    except (TypeError, ValueError) as error:
        raise DagDefinitionError(
            f"DAG {dag_id!r} cannot be stored: {error} (params and other DAG arguments must be JSON values: "
            "str, int, float, bool, None, lists and dicts)"
        ) from None


MEMORY_HINT = (
    "the parser gives a DAG file at most {limit} MiB of address space (setting [core] dag_file_memory_limit, "
    "in MiB; 0 for no limit): move large work out of the top level of the file, or raise the limit"
)


def _child(
    path: str, default_timezone: str, result_path: str, data_intervals: tuple[bool, bool], timeout: float = 0.0,
    memory_limit: int = 0,
) -> None:
    """The parse of one file, in a child of the fork server that leads its own process group.

    This process only supervises: it adopts orphans (a subreaper), imports the file in a child
    of its own, waits for it at most ``timeout`` seconds, then kills every process the file left
    behind (in a new session or not) before it writes the result. Stdin is /dev/null, so
    ``input()`` in a DAG file reads nothing instead of the scheduler's terminal."""
    import pickle

    from slipstream.processes import subreaper

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
    failure = None
    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        code = _wait(pid, timeout)
        if code is None:
            failure = (
                f"DagFileTimeout: loading the DAG file took longer than {timeout:g} s and was stopped (setting "
                "[core] dagbag_import_timeout); move slow work out of the top level of the file"
            )
        elif not os.path.exists(result_path):
            failure = _early_exit_message(code, memory_limit)
    except _Stopped:
        failure = "the parse was stopped: the scheduler is stopping"
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        subreaper.kill_descendants()
    if failure is not None:
        with open(result_path + ".tmp", "wb") as handle:
            pickle.dump(_failed(path, failure, started), handle)
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


def _early_exit_message(code: int, memory_limit: int) -> str:
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
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        if memory_limit > 0:
            limit = memory_limit * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit if hard < 0 else min(limit, hard), hard))
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


def _failed(path: str, message: str, started: float) -> ParsedFile:
    error = ImportErrorInfo(filename=path, line=None, exception=message, stacktrace=message)
    return ParsedFile(path=path, errors=[error.as_dict()], seconds=time.perf_counter() - started)


# The supervisor stops a file at its timeout; the parent kills it only if it has not reported
# this long after (a supervisor that cannot even do that).
GRACE = 10.0
ResultCallback = Callable[[ParsedFile], None]


class FileParser:
    """Parses DAG files in children of one warm fork server, ``processes`` at a time, each file
    with a time limit and a memory limit; each result is handed over as soon as it is known."""

    def __init__(
        self, *, timeout: float, data_intervals: tuple[bool, bool], default_timezone: str = "utc",
        processes: int = 2, memory_limit: int = 0,
    ) -> None:
        """``data_intervals``: the settings ``[scheduler] create_cron_data_intervals`` and
        ``create_delta_data_intervals``; ``memory_limit``: MiB of address space per file, 0 for none."""
        self.timeout = timeout
        self.default_timezone = default_timezone
        self.data_intervals = data_intervals
        self.processes = max(processes, 1)
        self.memory_limit = memory_limit
        self._exits: queue.Queue[tuple[int, int]] = queue.Queue()
        self._server = ForkServer(PRELOAD, lambda request_id, code: self._exits.put((request_id, code)))
        self._closing = threading.Event()
        self._active: dict[int, tuple[str, str, float]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        """Stop the parses in progress (each kills what its file started) and the fork server."""
        self._closing.set()
        self._exits.put((-1, 0))
        with self._lock:
            active = list(self._active)
        for request_id in active:
            self._server.kill(request_id, signal.SIGTERM)
        deadline = time.monotonic() + GRACE
        while time.monotonic() < deadline:
            with self._lock:
                if not self._active:
                    break
            time.sleep(0.01)
        self._server.close()

    def parse(self, paths: list[str], on_result: ResultCallback | None = None) -> list[ParsedFile]:
        """Parse the files; ``on_result`` is called (in this thread) with each file's result as
        soon as it is known, so a slow file holds back no other file's result."""
        pending = list(paths)
        results: dict[str, ParsedFile] = {}
        active = self._active

        def finish(path: str, parsed: ParsedFile) -> None:
            results[path] = parsed
            if on_result is not None and not self._closing.is_set():
                on_result(parsed)

        with tempfile.TemporaryDirectory(prefix="slipstream-parse-") as scratch:
            number = 0
            while (pending and not self._closing.is_set()) or active:
                while pending and len(active) < self.processes and not self._closing.is_set():
                    path = pending.pop(0)
                    number += 1
                    result_path = os.path.join(scratch, f"{number}-{os.path.basename(path)}.pickle")
                    request_id = self._server.spawn(
                        "slipstream.dagfiles.parsing:_child",
                        (path, self.default_timezone, result_path, self.data_intervals, self.timeout,
                         self.memory_limit),
                    )
                    with self._lock:
                        active[request_id] = (path, result_path, time.perf_counter())
                if not active:
                    break
                deadline = min(started for _, _, started in active.values()) + self.timeout + GRACE
                try:
                    request_id, code = self._exits.get(timeout=max(deadline - time.perf_counter(), 0.0))
                except queue.Empty:
                    request_id, code = -1, 0
                if request_id in active:
                    with self._lock:
                        path, result_path, started = active.pop(request_id)
                    finish(path, self._collect(path, result_path, code, started, self.memory_limit))
                now = time.perf_counter()
                for request_id, (path, _, started) in list(active.items()):
                    if now - started >= self.timeout + GRACE:
                        self._server.kill(request_id)
                        with self._lock:
                            del active[request_id]
                        finish(path, _failed(
                            path,
                            f"DagFileTimeout: loading the DAG file took longer than {self.timeout:g} s and was "
                            "stopped (setting [core] dagbag_import_timeout); move slow work out of the top level "
                            "of the file",
                            started,
                        ))
        return [results[p] for p in paths if p in results]

    @staticmethod
    def _collect(path: str, result_path: str, code: int, started: float, memory_limit: int) -> ParsedFile:
        import pickle

        try:
            with open(result_path, "rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            return _failed(path, _early_exit_message(code, memory_limit), started)


def parse_files(
    paths: list[str], *, timeout: float, default_timezone: str = "utc", processes: int = 2,
    data_intervals: tuple[bool, bool] = DEFAULT_DATA_INTERVALS, memory_limit: int = 0,
) -> list[ParsedFile]:
    """Parse each file in its own child process, ``processes`` at a time, ``timeout`` seconds each."""
    parser = FileParser(
        timeout=timeout, default_timezone=default_timezone, processes=processes, data_intervals=data_intervals,
        memory_limit=memory_limit,
    )
    try:
        return parser.parse(paths)
    finally:
        parser.close()
