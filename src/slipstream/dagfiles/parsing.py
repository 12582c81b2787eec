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
from slipstream.dagfiles.parse_supervisor import cpu_seconds, early_exit_message
from slipstream.dagfiles.serialization import dag_hash, serialize_dag
from slipstream.processes.client import ForkServer
from slipstream.sdk.timezone import using_default_timezone
from slipstream.timetables.schedule import DEFAULT_DATA_INTERVALS, using_data_intervals

PRELOAD = [
    "slipstream.dagfiles.parsing", "slipstream.dagfiles.parse_supervisor", "slipstream.operators.bash",
    "slipstream.operators.python", "pendulum", "slipstream.timetables.schedule",
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


def _failed(path: str, message: str, started: float, line: int | None = None, stack: str = "") -> ParsedFile:
    stacktrace = f"{message}\n\n{stack}" if stack else message
    error = ImportErrorInfo(filename=path, line=line, exception=message, stacktrace=stacktrace)
    return ParsedFile(path=path, errors=[error.as_dict()], seconds=time.perf_counter() - started)


# The supervisor stops a file at its timeout; the parent kills it only if it has not reported
# this long after (a supervisor that cannot even do that).
GRACE = 10.0
# ``parsing_processes`` counts the parses that use a CPU. One that used less than WAITING_SHARE
# of a CPU over its last WAITING_AFTER seconds (asleep, on the network, hanging) does not:
# another file starts beside it, up to MAX_WAITING such parses at once, so hanging files cannot
# take every slot while good ones wait.
WAITING_AFTER = 0.5
WAITING_SHARE = 0.2
MAX_WAITING = 32
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
        # request id -> (pid of its import, last sample: time and CPU seconds, waiting since then)
        self._usage: dict[int, tuple[int, float, float, bool]] = {}

    def _busy(self, now: float) -> int:
        """How many parses in progress count against ``processes`` (those not waiting)."""
        busy = 0
        for request_id, (_, result_path, started) in list(self._active.items()):
            if now - started < WAITING_AFTER or not self._waiting(request_id, result_path, started, now):
                busy += 1
        return busy

    def _waiting(self, request_id: int, result_path: str, started: float, now: float) -> bool:
        usage = self._usage.get(request_id)
        if usage is None:
            try:
                with open(result_path + ".pid") as handle:
                    pid = int(handle.read())
            except (OSError, ValueError):
                return False
            usage = (pid, started, 0.0, False)  # the import starts with no CPU time used
        pid, then, before, waiting = usage
        if now - then < WAITING_AFTER:
            return waiting
        cpu = cpu_seconds(pid)
        if cpu is None:
            return waiting
        waiting = (cpu - before) / (now - then) < WAITING_SHARE
        self._usage[request_id] = (pid, now, cpu, waiting)
        return waiting

    def launch(self) -> None:
        """Start the fork server process now, without waiting for it (the first parse waits)."""
        self._server.launch()

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
                while (
                    pending and not self._closing.is_set() and len(active) < self.processes + MAX_WAITING
                    and self._busy(time.perf_counter()) < self.processes
                ):
                    path = pending.pop(0)
                    number += 1
                    result_path = os.path.join(scratch, f"{number}-{os.path.basename(path)}.pickle")
                    request_id = self._server.spawn(
                        "slipstream.dagfiles.parse_supervisor:supervise",
                        (path, self.default_timezone, result_path, self.data_intervals, self.timeout,
                         self.memory_limit),
                    )
                    with self._lock:
                        active[request_id] = (path, result_path, time.perf_counter())
                if not active:
                    break
                deadline = min(started for _, _, started in active.values()) + self.timeout + GRACE
                if pending:  # look again soon whether a slot is held by a parse that only waits
                    deadline = min(deadline, time.perf_counter() + 0.25)
                try:
                    request_id, code = self._exits.get(timeout=max(deadline - time.perf_counter(), 0.0))
                except queue.Empty:
                    request_id, code = -1, 0
                if request_id in active:
                    self._usage.pop(request_id, None)
                    with self._lock:
                        path, result_path, started = active.pop(request_id)
                    finish(path, self._collect(path, result_path, code, started, self.memory_limit))
                now = time.perf_counter()
                for request_id, (path, _, started) in list(active.items()):
                    if now - started >= self.timeout + GRACE:
                        self._server.kill(request_id)
                        self._usage.pop(request_id, None)
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
            return _failed(path, early_exit_message(code, memory_limit), started)


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
