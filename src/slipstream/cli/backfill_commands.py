"""``slipstream backfill create`` (Airflow 3's form) and what it shares with ``dags backfill``
(Airflow 2's): plan the runs of a date range with scheduler/backfill.py, create them, and run
them in this process with a progress bar."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from slipstream.cli.dags_commands import _parse_conf, _parse_date, _serialized
from slipstream.cli.environment import changing_dags_context

# Airflow's --reprocess-behavior: what to do with a logical date that already has a run.
REPROCESS = {
    "none": {},  # leave it alone
    "failed": {"rerun_failed_tasks": True},  # run its failed tasks again
    "completed": {"reset_dagruns": True},  # clear it and run it all again
}


def backfill_now(
    dag_id: str, start: datetime | None, end: datetime | None, *, reset_dagruns: bool = False,
    rerun_failed_tasks: bool = False, run_backwards: bool = False, max_active_runs: int | None = None,
    ignore_depends_on_past: bool = False, dry_run: bool = False, yes: bool = False, dags_folder: str | None = None,
    conf: dict[str, Any] | None = None,
) -> None:
    """Plan, confirm, create and run a backfill; exit 1 if a run fails or the runs left can never finish."""
    from slipstream.scheduler import backfill as backfills
    from slipstream.store.clock import utcnow

    ctx = changing_dags_context(dags_folder)  # a backfill's runs need the DAG's row: -S FOLDER records it
    settings, db = ctx.settings, ctx.db
    _serialized(db, dag_id)
    assert start is not None and end is not None
    try:
        plan = backfills.plan_backfill(
            settings, db, dag_id, start, end, reset_dagruns=reset_dagruns, rerun_failed_tasks=rerun_failed_tasks,
            run_backwards=run_backwards, max_active_runs=max_active_runs,
        )
    except backfills.BackfillError as err:
        raise click.ClickException(str(err)) from None
    if not plan.runs:
        click.echo(f"No interval of DAG {dag_id} has a logical date between {start.isoformat()} and {end.isoformat()}.")
        return
    if dry_run:
        click.echo(f"Dry run of the backfill of {dag_id}: {len(plan.to_run)} run(s) would run, at most "
                   f"{plan.max_active_runs} at a time; nothing is changed.")
        for item in plan.runs:
            click.echo(f"{item.logical_date.isoformat()}  {item.run_id}  {item.action}"
                       + (f" ({item.state})" if item.state else ""))
        return
    resets = [item for item in plan.runs if item.action == backfills.RESET]
    if resets and not yes:
        click.confirm(f"Clear the {len(resets)} existing run(s) of {dag_id} in the range and run them again?", abort=True)
    plan = backfills.apply_backfill(db, plan, utcnow(), conf=conf)
    for item in plan.runs:
        if not item.runs:
            click.echo(f"{item.run_id}: exists ({item.state}), left alone")
    try:
        failed = _drive_backfill(settings, db, plan, ignore_depends_on_past)
    except backfills.BackfillDeadlock as err:
        click.echo(str(err), err=True)
        raise SystemExit(1) from None
    if failed:
        click.echo(f"Backfill of {dag_id}: {len(failed)} run(s) failed: {', '.join(sorted(failed))}", err=True)
        raise SystemExit(1)


def _drive_backfill(settings: Any, db: Any, plan: Any, ignore_depends_on_past: bool = False) -> list[str]:
    """Run the plan in this process with a progress bar (a terminal) or a line per finished run."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from slipstream.scheduler.backfill import run_backfill

    total = len(plan.to_run)
    console = Console()
    if not console.is_terminal:
        click.echo(f"Backfill of {plan.dag_id}: {total} run(s), at most {plan.max_active_runs} at a time")

        def report(row: Any) -> None:
            click.echo(f"{row.run_id}: {row.state}")

        states = run_backfill(settings, db, plan, on_finished=report, ignore_depends_on_past=ignore_depends_on_past)
    else:
        columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console) as progress:
            bar = progress.add_task(f"backfill {plan.dag_id}", total=total)

            def advance(row: Any) -> None:
                if row.state != "success":
                    progress.console.print(f"[red]{row.run_id}: {row.state}[/]")
                progress.advance(bar)

            states = run_backfill(
                settings, db, plan, on_finished=advance, ignore_depends_on_past=ignore_depends_on_past
            )
    done = sum(state == "success" for state in states.values())
    click.echo(f"Backfill of {plan.dag_id} finished: {done} of {total} run(s) succeeded")
    return [run_id for run_id, state in states.items() if state != "success"]


@click.group()
def backfill() -> None:
    """Backfills: runs of a DAG for every interval of its schedule in a range of dates."""


@backfill.command()
@click.option("--dag-id", required=True, help="The DAG to backfill.")
@click.option("--from-date", required=True, help="First logical date (ISO, inclusive).")
@click.option("--to-date", required=True, help="Last logical date (ISO, inclusive).")
@click.option("--dag-run-conf", default=None, help="JSON object for each run's dag_run.conf.")
@click.option("--run-backwards", is_flag=True, help="Newest interval first.")
@click.option("--max-active-runs", type=click.IntRange(min=1), default=None,
              help="At most this many backfill runs at once (default: the DAG's max_active_runs).")
@click.option("--reprocess-behavior", type=click.Choice(list(REPROCESS)), default="none", show_default=True,
              help="Dates that already have a run: leave them (none), run their failed tasks again (failed), "
              "or run them all again (completed).")
@click.option("--run-on-latest-version/--no-run-on-latest-version", default=True,
              help="Slipstream always runs the DAG's latest code; --no-run-on-latest-version is refused.")
@click.option("--dry-run", is_flag=True, help="Print the runs it would create or run; change nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask before running existing runs again.")
@click.option("-S", "--subdir", "--dags-folder", "dags_folder", default=None,
              help="Folder with the DAG files (default: [core] dags_folder).")
def create(
    dag_id: str, from_date: str, to_date: str, dag_run_conf: str | None, run_backwards: bool,
    max_active_runs: int | None, reprocess_behavior: str, run_on_latest_version: bool, dry_run: bool, yes: bool,
    dags_folder: str | None,
) -> None:
    """Create the runs of DAG_ID for every interval between two dates and run them now."""
    if not run_on_latest_version:
        raise click.UsageError("Slipstream keeps no older versions of a DAG: backfills run its latest code")
    conf = _parse_conf(dag_run_conf) if dag_run_conf is not None else None
    backfill_now(
        dag_id, _parse_date(from_date), _parse_date(to_date), run_backwards=run_backwards,
        max_active_runs=max_active_runs, dry_run=dry_run, yes=yes, dags_folder=dags_folder, conf=conf,
        **REPROCESS[reprocess_behavior],
    )
