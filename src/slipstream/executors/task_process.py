"""The entry point of a task process: its own process group, its log file as stdout and stderr."""

from __future__ import annotations

import logging
import os
import sys

from sqlalchemy.orm import Session

from slipstream.config import Settings
from slipstream.executors.base import Workload
from slipstream.runner.task_logging import configure_task_logging
from slipstream.runner.task_runner import run_task
from slipstream.store import dag_runs, task_instances, task_logs, xcoms
from slipstream.store.db import Database
from slipstream.store.task_logs import log_path
from slipstream.store.types import utcnow


def redirect_output(path: str) -> None:
    """Point fds 1 and 2 (and so every child process) at the task's log file."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)


_warm: dict[str, Database] = {}


def warm_up(settings: Settings) -> None:
    """In the fork server: build the engine and compile the runner's statements once.

    Children inherit the engine with its dialect initialised and its statement cache full,
    and open their own connections (the engine keeps none: NullPool).
    """
    db = Database(settings.sql_alchemy_conn, pool=False)
    with db.engine.connect() as connection:
        transaction = connection.begin()
        session = Session(bind=connection)
        now = utcnow()
        task_instances.start_try(session, -1, 1, "warm-up", 0, now)
        dag_runs.row_by_id(session, -1)
        task_instances.finish_try(session, -1, 1, "success", now, started_at=now)
        xcoms.push(
            session, dag_run_id=-1, dag_id="-", run_id="-", task_id="-", map_index=-1, key="-", value=None, now=now
        )
        xcoms.pull(session, dag_id="-", run_id="-", task_id="-", key="-")
        task_logs.record(
            session, dag_id="-", run_id="-", task_id="-", map_index=-1, try_number=-1, path="-", hostname="-", now=now
        )
        session.close()
        transaction.rollback()
    _warm[settings.sql_alchemy_conn] = db


def task_process_main(workload: Workload, settings: Settings) -> None:
    os.setpgrp()
    path = log_path(
        settings.base_log_folder, workload.dag_id, workload.run_id, workload.task_id, workload.map_index,
        workload.try_number,
    )
    redirect_output(str(path))
    configure_task_logging()
    try:
        run_task(workload, settings, _warm.get(settings.sql_alchemy_conn))
    except Exception:
        logging.getLogger("slipstream.runner").exception("The task runner itself failed")
        sys.stdout.flush()
        os._exit(3)
    sys.stdout.flush()
    sys.stderr.flush()
