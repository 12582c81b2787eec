"""Operator control of one run: ``tasks set-state``, ``dags set-state`` and ``dags clear``.

Airflow offers marking a task instance or a run success or failed in its UI and REST API;
these are the Slipstream commands for it. Every change is a compare-and-set on the state the
row was read in, so a change the scheduler made in between wins and the command says so.
"""

from __future__ import annotations

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


@dags.command("clear")
@click.argument("dag_id")
@click.argument("run_id")
@click.option("-f", "--only-failed", is_flag=True, help="Only failed and upstream_failed task instances.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@dags_folder_option
def dag_clear(dag_id: str, run_id: str, only_failed: bool, yes: bool, dags_folder: str | None) -> None:
    """Clear every task instance of one run so the whole run runs again."""
    from slipstream.services import run_actions

    ctx = changing_dags_context(dags_folder)
    known_dag(ctx, dag_id)
    preview = service_call(run_actions.clear_run, ctx, dag_id, run_id, only_failed=only_failed, dry_run=True)
    if not preview.task_instances:
        click.echo("No task instances to clear.")
        return
    if not yes:
        click.confirm(f"Clear the {len(preview.task_instances)} task instance(s) of DAG run {dag_id} {run_id}?", abort=True)
    result = service_call(run_actions.clear_run, ctx, dag_id, run_id, only_failed=only_failed)
    click.echo(f"Cleared {result.cleared} task instance(s) of {dag_id} {run_id}; the scheduler will run them again.")
