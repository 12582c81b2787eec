"""The live progress view of ``dags test``: one line per task, refreshed as states change, and
the tasks' log lines as they are written, each prefixed by its task (``[extract] Extracting``)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import click

STATE_STYLES = {
    "success": "green", "failed": "red", "upstream_failed": "dark_orange", "up_for_retry": "yellow",
    "running": "bright_cyan", "queued": "grey62", "scheduled": "tan", "skipped": "magenta", "none": "grey42",
}


MAX_INSTANCES_LISTED = 8  # a mapped task with more instances is shown as one line of counts
MIN_REFRESH_SECONDS = 0.1


def _label(row: Any) -> str:
    """The task id, and for a mapped instance its name or map index (as rich text, escaped)."""
    from rich.markup import escape

    if row.map_index < 0:
        return escape(row.task_id)
    return escape(f"{row.task_id} [{row.rendered_map_index or row.map_index}]")


def _table(progress: Any, title: str) -> Any:
    """One line per instance of a task with few; one line of counts for a mapped task with many."""
    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("task_id", "state", "try", "started", "duration"):
        table.add_column(column)
    rows_by_task: dict[str, list[Any]] = {}
    for row in progress.rows:
        rows_by_task.setdefault(row.task_id, []).append(row)
    for task_id, counts in progress.counts.items():
        instances = rows_by_task.get(task_id)
        if instances is None:
            summary = ", ".join(f"[{STATE_STYLES.get(state, '')}]{n} {state}[/]" for state, n in counts.most_common())
            table.add_row(escape(f"{task_id} [{counts.total()} mapped]"), summary, "", "", "")
            continue
        for row in sorted(instances, key=lambda r: r.map_index):
            duration = f"{row.duration:.2f}s" if row.duration is not None else ""
            started = row.start_date.strftime("%H:%M:%S.%f")[:-3] if row.start_date else ""
            style = STATE_STYLES.get(row.state, "")
            table.add_row(_label(row), f"[{style}]{row.state}[/]", str(row.try_number), started, duration)
    return table


class WarmingExecutor:
    """The local executor, its fork server and store service launched at once and waited for in
    a thread, while the command does the rest of its start-up (parsing the DAG's file).

    They are launched in this thread, after ``launch_first`` (e.g. a DAG file processor), before
    any other thread runs: a warm command forks all of them (``processes/python_process.py``)."""

    def __init__(
        self, settings: Any, db: Any, launch_first: Sequence[Any] = (), executor_name: str | None = "LocalExecutor",
        mark_success_pattern: re.Pattern[str] | None = None,
    ) -> None:
        """``executor_name``: the local executor by default, as Airflow's ``dags test`` runs on this
        machine; None for ``[core] executor``. ``mark_success_pattern``: the task ids recorded as
        successful without running (``executors/mark_success.py``)."""
        from slipstream.executors.loader import ExecutorConfigError, load_executor
        from slipstream.processes import python_process

        try:
            self.executor = load_executor(settings, name=executor_name)
        except ExecutorConfigError as err:
            raise click.ClickException(str(err)) from None
        if mark_success_pattern is not None:
            from slipstream.executors.mark_success import MarkSuccessExecutor

            self.executor = MarkSuccessExecutor(self.executor, mark_success_pattern, db, str(settings.base_log_folder))
        self._error: BaseException | None = None
        if python_process.forks_allowed():
            db.dispose()  # a process forked with an SQLite connection open could never lock that file
        try:
            for owner in (*launch_first, self.executor):
                owner.launch()
        except BaseException as err:  # noqa: BLE001 - raised again where the executor is wanted
            self._error = err
        self._thread = threading.Thread(target=self._start, name="executor-start", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        if self._error is not None:
            return
        try:
            self.executor.start()
        except BaseException as err:  # noqa: BLE001 - raised again where the executor is wanted
            self._error = err

    def get(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self.executor

    def end(self, *, kill: bool = False) -> None:
        self._thread.join()
        if kill:
            self.executor.terminate()
        self.executor.end()


def run_with_progress(
    settings: Any,
    db: Any,
    dag_id: str,
    *,
    conf: Mapping[str, Any] | None,
    logical_date: datetime | None,
    timeout: float | None,
    quiet: bool = False,
    executor: Any = None,
) -> Any:
    """Trigger a run, schedule it to the end in this process while showing progress (and, unless
    ``quiet``, its tasks' log lines); return the run as it ended."""
    from rich.live import Live
    from rich.markup import escape

    from slipstream.cli.output import console as output_console
    from slipstream.executors.base import ExecutorStartError
    from slipstream.scheduler.run_to_end import RunTimedOut, schedule_until_finished
    from slipstream.scheduler.triggering import trigger_dag
    from slipstream.sdk.exceptions import ParamValidationError
    from slipstream.services.context import ServiceContext
    from slipstream.services.run_logs import RunLogFollower
    from slipstream.store import run_progress
    from slipstream.store.log_paths import run_folder

    try:
        run = trigger_dag(db, dag_id, conf=conf, logical_date=logical_date)
    except (ParamValidationError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    outcome: dict[str, Any] = {}

    def schedule() -> None:
        try:
            outcome["run"] = schedule_until_finished(
                settings, db, dag_id, run.run_id, timeout=timeout, executor=executor and executor.get()
            )
        except (RunTimedOut, ExecutorStartError) as err:
            outcome["error"] = err
        except BaseException as err:  # noqa: BLE001 - raised again in the command's thread, with its traceback
            outcome["crash"] = err

    def snapshot() -> Any:
        with db.read() as session:
            return run_progress.progress(session, run.id, MAX_INSTANCES_LISTED)

    title = f"{dag_id}  {run.run_id}"
    console = output_console()
    follower = None if quiet else RunLogFollower(ServiceContext(settings=settings, db=db), dag_id, run.run_id, run.id)

    def print_logs(live: Any) -> None:
        if follower is not None:
            for label, line in follower.poll():
                live.console.print(_log_text(label, line), soft_wrap=True)

    started = time.perf_counter()
    thread = threading.Thread(target=schedule, name="dags-test-scheduler", daemon=True)
    thread.start()
    pause = MIN_REFRESH_SECONDS
    with Live(_table(snapshot(), title), console=console, refresh_per_second=10, transient=not console.is_terminal) as live:
        while thread.is_alive():
            thread.join(pause)
            began = time.perf_counter()
            print_logs(live)
            live.update(_table(snapshot(), title))
            # The view shares this process with the scheduler: keep it to about a tenth of the time.
            pause = max(MIN_REFRESH_SECONDS, 10 * (time.perf_counter() - began))
        print_logs(live)
    if not console.is_terminal:
        console.print(_table(snapshot(), title))
    if "crash" in outcome:
        raise outcome["crash"]
    if "error" in outcome:
        raise click.ClickException(str(outcome["error"]))
    final = outcome["run"]
    elapsed = time.perf_counter() - started
    colour = "green" if final.state == "success" else "red"
    console.print(f"DAG run [bold]{dag_id}[/] {final.run_id}: [{colour}]{final.state}[/] in {elapsed:.2f} s")
    if final.state != "success":
        with db.read() as session:
            failed = run_progress.failed_with_reason(session, run.id)
        for row in failed:
            console.print(f"  {_label(row)}: {escape(row.state_reason)}")
        console.print(f"  Task logs are under {run_folder(settings.base_log_folder, dag_id)}")
    return final


def _log_text(label: str, line: Any) -> Any:
    """``[task] message`` (the level too when it is not INFO), as plain text: no markup, no highlighting."""
    from rich.text import Text

    level = f"{line.level.upper()} " if line.level and line.level != "info" else ""
    return Text(f"[{label}] {level}{line.event}")
