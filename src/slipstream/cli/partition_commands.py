"""``slipstream partitions clear`` and ``slipstream state-store clean``: forgetting what runs and
tasks recorded, by their partition or by expiry."""

from __future__ import annotations

from datetime import datetime

import click

from slipstream.cli.environment import known_dag, service_call, service_context
from slipstream.cli.output import print_rows


@click.group()
def partitions() -> None:
    """The partitions of DAG runs (partition_key, partition_date)."""


def _date(value: str | None) -> datetime | None:
    from slipstream.cli.dags_commands import _parse_date

    return _parse_date(value)


@partitions.command()
@click.option("-d", "--dag-id", required=True, help="The DAG whose runs to clear.")
@click.option("-r", "--run-id", default=None, help="Only this run.")
@click.option("-k", "--partition-key", default=None, help="Only runs with exactly this partition key.")
@click.option("-s", "--start-date", default=None, help="Only runs whose partition date is on or after this (ISO).")
@click.option("-e", "--end-date", default=None, help="Only runs whose partition date is on or before this (ISO).")
@click.option("--date", "date_range", default=None, metavar="START~END",
              help="The same range as --start-date START --end-date END.")
@click.option("--clear-task-instances", is_flag=True, help="Also clear the runs' task instances, so they run again.")
@click.option("--dry-run", is_flag=True, help="Print the runs it would clear; change nothing.")
def clear(dag_id: str, run_id: str | None, partition_key: str | None, start_date: str | None, end_date: str | None,
          date_range: str | None, clear_task_instances: bool, dry_run: bool) -> None:
    """Remove the partition key and date of a DAG's runs chosen by run id, key or partition date."""
    from slipstream.services.partition_clearing import clear_partitions

    if date_range is not None:
        if start_date or end_date:
            raise click.UsageError("give --date START~END or --start-date/--end-date, not both")
        start_date, sep, end_date = date_range.partition("~")
        if not sep:
            raise click.BadParameter("must be START~END, e.g. 2026-01-01~2026-01-31", param_hint="--date")
    ctx = service_context()
    known_dag(ctx, dag_id)
    found = service_call(clear_partitions, ctx, dag_id, run_id=run_id, partition_key=partition_key,
                         start=_date(start_date or None), end=_date(end_date or None),
                         clear_task_instances=clear_task_instances, dry_run=dry_run)
    print_rows([vars(item) for item in found], "plain")
    done = "would be cleared" if dry_run else "cleared" + (" and queued to run again" if clear_task_instances else "")
    click.echo(f"{len(found)} run(s) of {dag_id} {done}.")


@click.group("state-store")
def state_store() -> None:
    """The task state store: keys tasks keep across their tries (context["task_state_store"])."""


@state_store.command()
@click.option("--dry-run", is_flag=True, help="Count the expired keys; delete nothing.")
def clean(dry_run: bool) -> None:
    """Delete the task state keys whose expiry time has passed."""
    from slipstream.services.task_state_store import clean_expired

    count = service_call(clean_expired, service_context(), dry_run=dry_run)
    click.echo(f"{count} expired task state key(s) " + ("would be deleted." if dry_run else "deleted."))
