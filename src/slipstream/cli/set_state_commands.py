"""Operator control of one run: ``tasks set-state``, ``dags set-state`` and ``dags clear``.

Airflow offers marking a task instance or a run success or failed in its UI and REST API;
these are the Slipstream commands for it. Every change is a compare-and-set on the state the
row was read in, so a change the scheduler made in between wins and the command says so.
"""

from __future__ import annotations

from typing import Any

import click

from slipstream.cli.dags_commands import dags
from slipstream.cli.environment import (
    changing_dags_context,
    dags_folder_option,
    known_dag,
    known_task,
    service_call,
    service_context,
)
from slipstream.cli.tasks_commands import tasks

MARKABLE = click.Choice(["success", "failed"])


@tasks.command("set-state")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("task_id")
@click.argument("state", type=MARKABLE)
@click.option("-m", "--map-index", type=int, default=-1, show_default=True, help="The map index of a mapped task.")
@dags_folder_option
def task_set_state(dag_id: str, run_id: str, task_id: str, state: str, map_index: int, dags_folder: str | None) -> None:
    """Mark one task instance success or failed (a running try is stopped and its result refused).

    Marking success clears the failed and upstream_failed tasks downstream of it in the same
    run, so the scheduler runs them (the run is re-opened if it had finished), as Airflow does."""
    from slipstream.services.task_marking import MarkRequest, mark_task_instance

    request = MarkRequest(new_state=state, map_index=map_index)
    ctx = changing_dags_context(dags_folder)
    known_task(ctx, dag_id, task_id)
    result = service_call(mark_task_instance, ctx, dag_id, run_id, task_id, request)
    if not result.task_instances:
        click.echo(f"{dag_id}.{task_id} {run_id} is already {state}.")
        return
    was = result.previous_states[result.task_instances[0].id] or "none"
    click.echo(f"Marked {dag_id}.{task_id} {run_id} {state} (was {was}).")
    if result.cleared_downstream:
        click.echo(f"Cleared {result.cleared_downstream} failed task instance(s) downstream; the scheduler will run them.")


@dags.command("set-state")
@click.argument("dag_id")
@click.argument("run_id")
@click.argument("state", type=MARKABLE)
def dag_set_state(dag_id: str, run_id: str, state: str) -> None:
    """Mark a DAG run success or failed, and its unfinished task instances with it."""
    from slipstream.services import run_actions

    ctx = service_context()
    known_dag(ctx, dag_id)
    result = service_call(run_actions.mark_run, ctx, dag_id, run_id, state)
    if not result.changed:
        click.echo(f"DAG run {dag_id} {run_id} is already {state}.")
        return
    done_to = state if state == "success" else "failed (queued and running) or skipped (the others)"
    click.echo(f"Marked DAG run {dag_id} {run_id} {state} (was {result.previous_state}), and {result.marked} "
               f"unfinished task instance(s) {done_to}.")


def _partition_date(value: str | None, timezone: str, hint: str) -> Any:
    """A bound of the partition date window: a date or time without offset is on the DAG's own
    clock (its timetable's timezone), a date alone its midnight, as Airflow reads them."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date like 2024-01-31 or 2024-01-31T02:00", param_hint=hint)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(timezone))


def _runs_to_clear(ctx: Any, dag_id: str, run_id: str | None, partition_key: str | None, start: str | None,
                   end: str | None) -> list[str]:
    from slipstream.services.dag_runs import get_run
    from slipstream.services.dags import serialized_dag
    from slipstream.store import run_partitions

    window = start is not None or end is not None
    if sum([run_id is not None, partition_key is not None, window]) != 1:
        raise click.UsageError("say which runs with one of: RUN_ID (or --run-id), --partition-key, "
                               "or --partition-date-start/--partition-date-end")
    if run_id is not None:
        return [service_call(get_run, ctx, dag_id, run_id).run_id]
    timezone = service_call(serialized_dag, ctx, dag_id).data.get("timezone") or "UTC"
    low = _partition_date(start, timezone, "--partition-date-start")
    high = _partition_date(end, timezone, "--partition-date-end")
    if low is not None and high is not None and low > high:
        raise click.UsageError("--partition-date-start is after --partition-date-end")
    with ctx.db.read() as session:
        rows = run_partitions.matching(session, dag_id, partition_key=partition_key, start=low, end=high)
    return [row.run_id for row in rows if window or row.partition_key == partition_key]


@dags.command("clear")
@click.argument("dag_id")
@click.argument("run_id", required=False)
@click.option("--run-id", "run_id_option", default=None, help="The run to clear (the same as RUN_ID).")
@click.option("--partition-key", default=None, help="Clear every run of this exact partition key.")
@click.option("--partition-date-start", default=None,
              help="Clear the runs whose partition date is on or after this (ISO; without an offset, on the DAG's "
              "timetable timezone; a date alone is its midnight).")
@click.option("--partition-date-end", default=None,
              help="Clear the runs whose partition date is on or before this (read as --partition-date-start).")
@click.option("-f", "--only-failed", is_flag=True, help="Only failed and upstream_failed task instances.")
@click.option("-r", "--only-running", is_flag=True, help="Only running task instances.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@dags_folder_option
def dag_clear(
    dag_id: str, run_id: str | None, run_id_option: str | None, partition_key: str | None,
    partition_date_start: str | None, partition_date_end: str | None, only_failed: bool, only_running: bool,
    yes: bool, dags_folder: str | None,
) -> None:
    """Clear the task instances of DAG runs so they run again: one run (RUN_ID or --run-id), the runs
    of a partition key, or those of a window of partition dates."""
    from dataclasses import replace

    from slipstream.services.clearing import ClearRequest, clear_task_instances

    if run_id and run_id_option and run_id != run_id_option:
        raise click.UsageError(f"two different runs given: {run_id!r} and --run-id {run_id_option!r}")
    ctx = changing_dags_context(dags_folder)
    known_dag(ctx, dag_id)
    run_ids = _runs_to_clear(ctx, dag_id, run_id or run_id_option, partition_key, partition_date_start,
                             partition_date_end)
    if not run_ids:
        click.echo("No matching DAG runs found.")
        return
    requests = [ClearRequest(run_id=one, only_failed=only_failed, only_running=only_running) for one in run_ids]
    chosen = sum(len(service_call(clear_task_instances, ctx, dag_id, replace(r, dry_run=True)).task_instances)
                 for r in requests)
    if not chosen:
        click.echo("No task instances to clear.")
        return
    named = f"DAG run {dag_id} {run_ids[0]}" if len(run_ids) == 1 else f"{len(run_ids)} runs of {dag_id}"
    if not yes:
        click.confirm(f"Clear the {chosen} task instance(s) of {named} ({', '.join(run_ids)})?", abort=True)
    cleared = sum(service_call(clear_task_instances, ctx, dag_id, r).cleared for r in requests)
    click.echo(f"Cleared {cleared} task instance(s) of {named}; the scheduler will run them again.")
