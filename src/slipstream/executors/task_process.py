"""The entry point of a task process: its own process group, its log file as stdout and stderr
(through the secrets masker once the process knows a secret, ``executors/masked_output.py``)."""

from __future__ import annotations

import io
import logging
import os
import sys
from typing import Any

from slipstream.config import Settings
from slipstream.executors.base import NOT_CLAIMED_EXIT_CODE
from slipstream.executors.masked_output import mask_descriptors_from_first_secret
from slipstream.executors.workload_json import file_version_note, load_request, load_workload
from slipstream.processes.proctitle import name_task_process
from slipstream.runner.task_logging import configure_task_logging
from slipstream.runner.task_runner import run_task
from slipstream.runner.try_store import ChannelTryStore, TryStore
from slipstream.sdk import secrets_masker
from slipstream.sdk.task_log import write_line
from slipstream.store.log_paths import log_file


def redirect_output(path: str) -> None:
    """Point fds 1 and 2 (and so every child process) at the task's log file, line-buffered.

    The ``sys.stdout`` and ``sys.stderr`` a forked process inherits already write to fds 1 and
    2: they are kept rather than built again (a forked process pays for each page it writes).
    If secrets were registered before (a DAG file that read one in the zygote), the new streams
    mask them too."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()  # what is buffered was meant for where fds 1 and 2 pointed until now
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = _line_buffered(secrets_masker.unwrapped(sys.stdout), 1)
    sys.stderr = _line_buffered(secrets_masker.unwrapped(sys.stderr), 2)
    secrets_masker.wrap_streams_if_active()


def _line_buffered(stream: Any, fileno: int) -> Any:
    try:
        if isinstance(stream, io.TextIOWrapper) and stream.fileno() == fileno:
            stream.reconfigure(line_buffering=True)
            return stream
    except (OSError, ValueError):
        pass
    return open(fileno, "w", buffering=1, closefd=False)


def _store_for_this_process(settings: Settings) -> TryStore | None:
    """The channel to the store service (the database if it breaks); None (``run_task`` then opens
    the database itself) for a process forked without one."""
    from slipstream.processes import forkserver

    if forkserver.PARENT_CHANNEL is None:
        return None
    return ChannelTryStore(
        forkserver.PARENT_CHANNEL, settings.sql_alchemy_conn, settings.task_heartbeat_sec,
        settings.store_service_address or None,
    )


_settings: Settings | None = None


def configure(settings: Settings) -> None:
    """Called once in the fork server: the settings every task process it forks runs with (the
    workloads themselves arrive as JSON)."""
    global _settings
    _settings = settings


def task_process_main(payload: str) -> None:
    assert _settings is not None, "configure() the fork server first"
    settings = _settings
    workload = load_workload(payload, settings)
    os.setpgrp()
    name_task_process(workload.dag_id, workload.task_id, workload.map_index, workload.try_number)
    path = log_file(
        os.fspath(settings.base_log_folder), workload.dag_id, workload.run_id, workload.task_id, workload.map_index,
        workload.try_number,
    )
    redirect_output(path)
    configure_task_logging()
    output = mask_descriptors_from_first_secret()
    note = file_version_note(workload)
    if note is not None:
        write_line(note, "WARNING")
    try:
        state = run_task(workload, settings, _store_for_this_process(settings), own_process_group=True)
    except Exception:
        logging.getLogger("slipstream.runner").exception("The task runner itself failed")
        output.stop()
        os._exit(3)
    finally:
        output.stop()
    sys.stdout.flush()
    sys.stderr.flush()
    if state == "lost":
        raise SystemExit(NOT_CLAIMED_EXIT_CODE)


def callback_process_main(payload: str) -> None:
    """A process for user code the scheduler asks for (a DAG's callback, a deadline's, a task's
    callbacks after a try the scheduler failed), with its own log file."""
    from slipstream.runner.dag_callbacks import callback_log_path, run_callback_request

    assert _settings is not None, "configure() the fork server first"
    settings = _settings
    request = load_request(payload, settings)
    os.setpgrp()
    redirect_output(str(callback_log_path(settings.base_log_folder, request)))
    configure_task_logging()
    output = mask_descriptors_from_first_secret()
    try:
        run_callback_request(request, settings)
    finally:
        output.stop()
    sys.stdout.flush()
