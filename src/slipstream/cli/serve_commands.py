"""``slipstream scheduler`` and ``slipstream standalone``: the long-running processes."""

from __future__ import annotations

import signal
from datetime import datetime
from typing import Any

import click

from slipstream.cli.environment import dags_folder_option, load_settings, open_store

STATE_COLOURS = {"success": "green", "failed": "red", "upstream_failed": "yellow", "up_for_retry": "yellow", "skipped": "magenta"}


def _serve(dags_folder: str | None, verbose: bool) -> None:
    import logging

    from slipstream.scheduler.service import SchedulerService

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = load_settings(dags_folder)
    settings.dags_folder.mkdir(parents=True, exist_ok=True)
    db = open_store(settings)
    click.echo(f"Slipstream home:   {settings.home}")
    click.echo(f"Database:          {db!r}")
    click.echo(f"DAG folders:       {', '.join(str(f) for f in settings.dag_folders())}")
    click.echo(f"Parallelism:       {settings.parallelism} task processes")
    click.echo("Web UI / REST API: not part of this version yet; use the CLI, e.g. `slipstream dags trigger DAG_ID`.")

    def on_parse(result: Any) -> None:
        for parsed in result.parsed:
            for data, _ in parsed.dags:
                click.echo(f"Loaded DAG {data['dag_id']} ({len(data['tasks'])} tasks) from {parsed.path}")
            for error in parsed.errors:
                where = f"{error['filename']}:{error['line']}" if error.get("line") else error["filename"]
                click.secho(f"Import error {where}: {error['exception']}", fg="red")
        for path in result.removed:
            click.echo(f"Removed DAG file {path}")

    def on_change(kind: str, item: Any) -> None:
        stamp = datetime.now().strftime("%H:%M:%S.%f")[:-3]
        if kind == "dag_run":
            dag_id, run_id, state = item
            click.secho(f"{stamp} DAG run {dag_id} {run_id}: {state}", fg=STATE_COLOURS.get(state), bold=True)
        else:
            dag_id, run_id, task_id, map_index, state = item
            index = f"[{map_index}]" if map_index >= 0 else ""
            click.secho(f"{stamp} {dag_id}.{task_id}{index} {run_id}: {state}", fg=STATE_COLOURS.get(state))

    service = SchedulerService(settings, db, on_change=on_change, on_parse=on_parse)
    service.on_stopping = lambda running: click.echo(
        f"Stopping: waiting for {running} running task(s) to finish; press Ctrl-C again to kill them."
    )
    signal.signal(signal.SIGTERM, service.stop)
    signal.signal(signal.SIGINT, service.stop)
    click.echo("Scheduler started; press Ctrl-C to stop.")
    service.run()
    click.echo("Scheduler stopped.")


@click.command()
@dags_folder_option
@click.option("-v", "--verbose", is_flag=True, help="Also print the scheduler's log.")
def scheduler(dags_folder: str | None, verbose: bool) -> None:
    """Parse DAG files and schedule their runs until stopped."""
    _serve(dags_folder, verbose)


@click.command()
@dags_folder_option
@click.option("-v", "--verbose", is_flag=True, help="Also print the scheduler's log.")
def standalone(dags_folder: str | None, verbose: bool) -> None:
    """Everything in one command on the embedded SQLite store: parser and scheduler (the web server comes later)."""
    _serve(dags_folder, verbose)
