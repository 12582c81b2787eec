"""Reading the log of one try, whole or from where the reader stopped, so a client can tail a
running task.

Logs are files (one per try, see store/log_paths.py), written by the task process with secrets
already masked, on the machine the try ran on: a log not on this machine is asked from that
worker's log server (store/worker_logs.py). A read returns the complete lines from a byte offset and the offset to go on
from; ``end_of_log`` is True once the try is over and everything it wrote was returned (the
try's state is read *before* the file, so a try that ends during the read is read again next
time rather than cut short).
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from slipstream.config.jwt_secret import signing_secret
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, NotFound
from slipstream.services.task_instances import check_run
from slipstream.store import task_instances, task_logs, worker_logs
from slipstream.store.log_paths import log_path
from slipstream.store.states import TaskInstanceState as TI
from slipstream.store.worker_logs import RemoteLogError

CHUNK_BYTES = 1 << 20
# A try in one of these states may still write to its log (a rescheduled sensor's next poke
# writes on in the same file).
WRITING_STATES = frozenset({TI.QUEUED.value, TI.RUNNING.value, TI.UP_FOR_RESCHEDULE.value})

# ``[2026-12-02 16:31:23,123] {file.py:12} INFO - message`` (sdk/task_log.py's FORMAT, in the
# task process's local time); the store service's stop line has no milliseconds and no source.
LINE = re.compile(r"^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)(?:,(\d{3}))?\] (?:\{([^}]*)\} )?([A-Z]+) - (.*)$")


@dataclass(frozen=True)
class LogLine:
    """One line of a log: ``event`` is the message (the whole line when it is not in the log
    format: a print, a traceback line)."""

    event: str
    timestamp: datetime | None = None
    level: str | None = None
    logger: str | None = None


@dataclass(frozen=True)
class LogChunk:
    lines: list[LogLine]
    text: str
    next_offset: int
    end_of_log: bool


def parse_line(text: str) -> LogLine:
    match = LINE.match(text)
    if match is None:
        return LogLine(event=text)
    stamp, millis, where, level, message = match.groups()
    when = datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S").replace(microsecond=int(millis or 0) * 1000)
    return LogLine(event=message, timestamp=when.astimezone(), level=level.lower(), logger=where)


def parse(text: str) -> list[LogLine]:
    return [parse_line(line) for line in text.splitlines()]


def log_location(ctx: ServiceContext, session: Any, key: task_instances.TaskInstanceKey, try_number: int) -> tuple[Path, str | None]:
    """Where the try's log is (as the try recorded it when it started), and the host it ran on."""
    for row in task_logs.for_task(session, key.dag_id, key.run_id, key.task_id, key.map_index):
        if row.try_number == try_number:
            return Path(row.path), row.hostname
    return log_path(ctx.settings.base_log_folder, key.dag_id, key.run_id, key.task_id, key.map_index, try_number), None


def read_log(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, try_number: int, *, map_index: int = -1,
    offset: int = 0, full_content: bool = False, max_bytes: int = CHUNK_BYTES,
) -> LogChunk:
    """The complete lines of try ``try_number``'s log from byte ``offset`` (at most ``max_bytes``
    of them unless ``full_content``)."""
    if offset < 0:
        raise InvalidRequest("A log offset cannot be negative")
    key = task_instances.TaskInstanceKey(dag_id, run_id, task_id, map_index)
    with ctx.db.read() as session:
        ti = _task_instance(session, key)
        if try_number < 1 or try_number > ti.try_number:
            tried = f"tries 1 to {ti.try_number}" if ti.try_number else "no try yet"
            raise NotFound(f"Task instance {task_id!r} of run {run_id!r} has no try {try_number} ({tried})")
        path, hostname = log_location(ctx, session, key, try_number)
    writing = ti.try_number == try_number and ti.state in WRITING_STATES
    try:
        data, size = _read_bytes(ctx, path, hostname, offset, -1 if full_content else max_bytes + 1)
    except FileNotFoundError:
        if writing:
            return LogChunk([], "", offset, end_of_log=False)
        where = f" (the try ran on {hostname})" if hostname else ""
        text = f"*** No log file for try {try_number} at {path}{where}\n"
        return LogChunk(parse(text), text, offset, end_of_log=True)
    except RemoteLogError as err:
        text = f"*** The log of try {try_number} is on {hostname}, which did not give it: {err}\n"
        return LogChunk(parse(text), text, offset, end_of_log=not writing)
    except OSError as err:
        text = f"*** Could not read the log file of try {try_number} at {path}: {err.strerror or err}\n"
        return LogChunk(parse(text), text, offset, end_of_log=not writing)
    if not full_content and len(data) > max_bytes:
        cut = data.rfind(b"\n", 0, max_bytes) + 1
        complete = data[:cut] if cut else data[:max_bytes]
    elif writing:  # a line still being written is returned next time, whole
        complete = data[: data.rfind(b"\n") + 1]
    else:
        complete = data
    next_offset = offset + len(complete)
    end_of_log = not writing and next_offset >= size
    text = complete.decode("utf-8", "replace")
    return LogChunk(parse(text), text, next_offset, end_of_log)


def _read_bytes(ctx: ServiceContext, path: Path, hostname: str | None, offset: int, max_bytes: int) -> tuple[bytes, int]:
    """Bytes of the log at ``path`` from ``offset`` (all when ``max_bytes`` < 0), and its size:
    from this machine's file, or, when there is none here, from the worker it ran on."""
    try:
        with open(path, "rb") as handle:
            handle.seek(offset)
            data = handle.read() if max_bytes < 0 else handle.read(max_bytes)
            return data, os.fstat(handle.fileno()).st_size
    except FileNotFoundError:
        if not hostname or hostname in (socket.gethostname(), "localhost"):
            raise
    data, size = worker_logs.fetch(
        hostname, ctx.settings.worker_log_server_port, str(path), signing_secret(ctx.settings), offset, max_bytes
    )
    return data, size


def _task_instance(session: Any, key: task_instances.TaskInstanceKey) -> Any:
    ti = task_instances.find(session, key)
    if ti is None:
        check_run(session, key.dag_id, key.run_id)
        raise NotFound(f"Task instance {key.task_id!r} (map index {key.map_index}) of DAG run {key.run_id!r} of DAG "
                       f"{key.dag_id!r} not found")
    return ti


def latest_try(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, *, map_index: int = -1) -> int:
    """The number of the task instance's latest try (NotFound without an instance or a try)."""
    key = task_instances.TaskInstanceKey(dag_id, run_id, task_id, map_index)
    with ctx.db.read() as session:
        ti = _task_instance(session, key)
    if ti.try_number < 1:
        raise NotFound(f"Task instance {task_id!r} of run {run_id!r} has not started a try yet (state {ti.state})")
    return int(ti.try_number)


def follow_log(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, try_number: int, *, map_index: int = -1,
    poll_seconds: float = 0.2,
) -> Iterator[LogChunk]:
    """The try's log chunk by chunk, waiting for new lines while the try may still write, until
    its end."""
    offset = 0
    while True:
        chunk = read_log(ctx, dag_id, run_id, task_id, try_number, map_index=map_index, offset=offset)
        if chunk.text:
            yield chunk
        if chunk.end_of_log:
            return
        if chunk.next_offset == offset:
            time.sleep(poll_seconds)
        offset = chunk.next_offset
