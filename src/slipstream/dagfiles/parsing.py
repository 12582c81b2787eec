"""Parsing DAG files in child processes with a time limit, so one bad file harms nothing else."""

from __future__ import annotations

import os
import queue
import tempfile
import time
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


def _child(path: str, default_timezone: str, result_path: str, data_intervals: tuple[bool, bool]) -> None:
    import pickle
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(1, "w", closefd=False)
    parsed = parse_in_this_process(path, default_timezone, data_intervals)
    with open(result_path, "wb") as handle:
        pickle.dump(parsed, handle)


def _failed(path: str, message: str, started: float) -> ParsedFile:
    error = ImportErrorInfo(filename=path, line=None, exception=message, stacktrace=message)
    return ParsedFile(path=path, errors=[error.as_dict()], seconds=time.perf_counter() - started)


class FileParser:
    """Parses DAG files in children of one warm fork server, each file with a time limit."""

    def __init__(
        self, *, timeout: float, data_intervals: tuple[bool, bool], default_timezone: str = "utc",
        processes: int = 2,
    ) -> None:
        """``data_intervals``: the settings ``[scheduler] create_cron_data_intervals`` and
        ``create_delta_data_intervals``."""
        self.timeout = timeout
        self.default_timezone = default_timezone
        self.data_intervals = data_intervals
        self.processes = max(processes, 1)
        self._exits: queue.Queue[tuple[int, int]] = queue.Queue()
        self._server = ForkServer(PRELOAD, lambda request_id, code: self._exits.put((request_id, code)))

    def close(self) -> None:
        self._server.close()

    def parse(self, paths: list[str]) -> list[ParsedFile]:
        pending = list(paths)
        active: dict[int, tuple[str, str, float]] = {}
        results: dict[str, ParsedFile] = {}
        with tempfile.TemporaryDirectory(prefix="slipstream-parse-") as scratch:
            while pending or active:
                while pending and len(active) < self.processes:
                    path = pending.pop(0)
                    result_path = os.path.join(scratch, f"{len(results) + len(active)}-{os.path.basename(path)}.pickle")
                    request_id = self._server.spawn(
                        "slipstream.dagfiles.parsing:_child",
                        (path, self.default_timezone, result_path, self.data_intervals),
                    )
                    active[request_id] = (path, result_path, time.perf_counter())
                deadline = min(started + self.timeout for _, _, started in active.values())
                try:
                    request_id, code = self._exits.get(timeout=max(deadline - time.perf_counter(), 0.0))
                except queue.Empty:
                    request_id, code = -1, 0
                if request_id in active:
                    path, result_path, started = active.pop(request_id)
                    results[path] = self._collect(path, result_path, code, started)
                now = time.perf_counter()
                for request_id, (path, _, started) in list(active.items()):
                    if now - started >= self.timeout:
                        self._server.kill(request_id)
                        del active[request_id]
                        results[path] = _failed(
                            path,
                            f"DagFileTimeout: loading the DAG file took longer than {self.timeout:g} s and was "
                            "stopped (setting [core] dagbag_import_timeout); move slow work out of the top level "
                            "of the file",
                            started,
                        )
        return [results[p] for p in paths]

    @staticmethod
    def _collect(path: str, result_path: str, code: int, started: float) -> ParsedFile:
        import pickle

        try:
            with open(result_path, "rb") as handle:
                return pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            return _failed(
                path,
                f"The DAG file stopped the parser process (exit code {code}) before it finished loading; "
                "does it call os._exit() or crash the interpreter?",
                started,
            )


def parse_files(
    paths: list[str], *, timeout: float, default_timezone: str = "utc", processes: int = 2,
    data_intervals: tuple[bool, bool] = DEFAULT_DATA_INTERVALS,
) -> list[ParsedFile]:
    """Parse each file in its own child process, ``processes`` at a time, ``timeout`` seconds each."""
    parser = FileParser(
        timeout=timeout, default_timezone=default_timezone, processes=processes, data_intervals=data_intervals
    )
    try:
        return parser.parse(paths)
    finally:
        parser.close()
