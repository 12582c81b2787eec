"""The entry point of a task process: its own process group, its log file as stdout and stderr."""

from __future__ import annotations

import logging
import os
import sys

from slipstream.config import Settings
from slipstream.executors import preload
from slipstream.executors.base import CallbackRequest, Workload
from slipstream.runner.task_logging import configure_task_logging
from slipstream.runner.task_runner import run_task
from slipstream.runner.try_store import ChannelTryStore, DirectTryStore, TryStore
from slipstream.store.db import Database
from slipstream.store.task_logs import log_path


def redirect_output(path: str) -> None:
    """Point fds 1 and 2 (and so every child process) at the task's log file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)


def _store_for_this_process(settings: Settings) -> TryStore:
    from slipstream.processes import forkserver

    if forkserver.PARENT_CHANNEL is not None:
        return ChannelTryStore(forkserver.PARENT_CHANNEL)
    return DirectTryStore(preload.warm.get(settings.sql_alchemy_conn) or Database(settings.sql_alchemy_conn))


def task_process_main(workload: Workload, settings: Settings) -> None:
    os.setpgrp()
    path = log_path(
        settings.base_log_folder, workload.dag_id, workload.run_id, workload.task_id, workload.map_index,
        workload.try_number,
    )
    redirect_output(str(path))
    configure_task_logging()
    try:
        run_task(workload, settings, _store_for_this_process(settings), own_process_group=True)
    except Exception:
        logging.getLogger("slipstream.runner").exception("The task runner itself failed")
        sys.stdout.flush()
        os._exit(3)
    sys.stdout.flush()
    sys.stderr.flush()


def callback_process_main(request: CallbackRequest, settings: Settings) -> None:
    """A process for a DAG's success or failure callback, with its own log file."""
    from slipstream.runner.dag_callbacks import callback_log_path, run_dag_callback

    os.setpgrp()
    redirect_output(str(callback_log_path(settings.base_log_folder, request)))
    configure_task_logging()
    run_dag_callback(request, settings)
    sys.stdout.flush()
