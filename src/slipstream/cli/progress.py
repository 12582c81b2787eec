"""The live progress view of ``dags test``: one line per task, refreshed as states change."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import click

STATE_STYLES = {
    "success": "green", "failed": "red", "upstream_failed": "dark_orange", "up_for_retry": "yellow",
    "running": "bright_cyan", "queued": "grey62", "scheduled": "tan", "skipped": "magenta", "none": "grey42",
}


MAX_INSTANCES_LISTED = 8  # a mapped task with more instances is shown as one line of counts


def _label(row: Any) -> str:
    """The task id, and for a mapped instance its name or map index (as rich text, escaped)."""
    from rich.markup import escape

    if row.map_index < 0:
        return escape(row.task_id)
    return escape(f"{row.task_id} [{row.rendered_map_index or row.map_index}]")


def _table(rows: list[Any], title: str) -> Any:
    from collections import Counter

    from rich.markup import escape
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for column in ("task_id", "state", "try", "started", "duration"):
        table.add_column(column)
    by_task: dict[str, list[Any]] = {}
    for row in rows:
        by_task.setdefault(row.task_id, []).append(row)
    for task_id, instances in by_task.items():
        if len(instances) > MAX_INSTANCES_LISTED:
            counts = Counter(r.state for r in instances)
            summary = ", ".join(f"[{STATE_STYLES.get(state, '')}]{n} {state}[/]" for state, n in counts.most_common())
            table.add_row(escape(f"{task_id} [{len(instances)} mapped]"), summary, "", "", "")
            continue
        for row in sorted(instances, key=lambda r: r.map_index):
            duration = f"{row.duration:.2f}s" if row.duration is not None else ""
            started = row.start_date.strftime("%H:%M:%S.%f")[:-3] if row.start_date else ""
            style = STATE_STYLES.get(row.state, "")
            table.add_row(_label(row), f"[{style}]{row.state}[/]", str(row.try_number), started, duration)
    return table


def run_with_progress(
    settings: Any,
    db: Any,
    dag_id: str,
    *,
    conf: Mapping[str, Any] | None,
    logical_date: datetime | None,
    timeout: float | None,
) -> str:
    """Trigger a run, schedule it to the end in this process while showing progress; return its state."""
    from rich.console import Console
    from rich.live import Live
    from rich.markup import escape

    from slipstream.scheduler.run_to_end import RunTimedOut, schedule_until_finished
    from slipstream.scheduler.triggering import trigger_dag
    from slipstream.sdk.exceptions import ParamValidationError
    from slipstream.store import task_instances

    try:
        run = trigger_dag(db, dag_id, conf=conf, logical_date=logical_date)
    except (ParamValidationError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    outcome: dict[str, Any] = {}

    def schedule() -> None:
        try:
            outcome["run"] = schedule_until_finished(settings, db, dag_id, run.run_id, timeout=timeout)
        except RunTimedOut as err:
            outcome["error"] = err

    def snapshot() -> list[Any]:
        with db.read() as session:
            return task_instances.for_run(session, dag_id, run.run_id)

    title = f"{dag_id}  {run.run_id}"
    console = Console()
    started = time.perf_counter()
    thread = threading.Thread(target=schedule, name="dags-test-scheduler", daemon=True)
    thread.start()
    with Live(_table(snapshot(), title), console=console, refresh_per_second=10, transient=not console.is_terminal) as live:
        while thread.is_alive():
            thread.join(0.1)
            live.update(_table(snapshot(), title))
    if not console.is_terminal:
        console.print(_table(snapshot(), title))
    if "error" in outcome:
        raise click.ClickException(str(outcome["error"]))
    final = outcome["run"]
    elapsed = time.perf_counter() - started
    colour = "green" if final.state == "success" else "red"
    console.print(f"DAG run [bold]{dag_id}[/] {final.run_id}: [{colour}]{final.state}[/] in {elapsed:.2f} s")
    if final.state != "success":
        for row in snapshot():
            if row.state in ("failed", "upstream_failed") and row.state_reason:
                console.print(f"  {_label(row)}: {escape(row.state_reason)}")
        console.print(f"  Task logs are under {settings.base_log_folder / dag_id}")
    return final.state
