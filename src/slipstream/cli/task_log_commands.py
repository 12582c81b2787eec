"""``slipstream tasks logs DAG_ID RUN_ID TASK_ID``: the log of one try, whole or followed while it runs."""

from __future__ import annotations

import sys

import click

from slipstream.cli.environment import service_call, service_context
from slipstream.cli.tasks_commands import tasks


@tasks.command("logs")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("task_id")
@click.option("--try", "try_number", type=click.IntRange(min=1), default=None, help="The try (default: the latest).")
@click.option("-m", "--map-index", type=int, default=-1, show_default=True, help="Map index of a mapped task.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new lines until the try ends.")
def logs(dag_id: str, run_id: str, task_id: str, try_number: int | None, map_index: int, follow: bool) -> None:
    """Print the log of a task instance's try, as the REST API serves it."""
    from slipstream.services import task_logs

    ctx = service_context()
    if try_number is None:
        try_number = service_call(task_logs.latest_try, ctx, dag_id, run_id, task_id, map_index=map_index)
    if not follow:
        chunk = service_call(
            task_logs.read_log, ctx, dag_id, run_id, task_id, try_number, map_index=map_index, full_content=True
        )
        _write(chunk.text, last=True)
        return
    chunks = task_logs.follow_log(ctx, dag_id, run_id, task_id, try_number, map_index=map_index)
    while (chunk := service_call(next, chunks, None)) is not None:
        _write(chunk.text, last=chunk.end_of_log)


def _write(text: str, *, last: bool) -> None:
    """The text as it is, its last line ended (a log's last line may have no newline)."""
    sys.stdout.write(text + ("\n" if last and text and not text.endswith("\n") else ""))
    sys.stdout.flush()
