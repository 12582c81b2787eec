"""``slipstream dags state``, ``tasks state`` and ``tasks failed-deps``: the state of one run or
task instance, and why a task instance does not run yet. The run is named by its run id or its
logical date, as in Airflow."""

from __future__ import annotations

import click

from slipstream.cli.dags_commands import dags
from slipstream.cli.environment import (
    dags_context,
    dags_folder_option,
    known_dag,
    known_task,
    service_call,
    service_context,
)
from slipstream.cli.tasks_commands import tasks

RUN = click.argument("logical_date_or_run_id", metavar="LOGICAL_DATE_OR_RUN_ID")
MAP_INDEX = click.option("-m", "--map-index", type=int, default=-1, show_default=True,
                         help="The map index of a mapped task.")


@dags.command("state")
@click.argument("dag_id")
@RUN
def dag_state(dag_id: str, logical_date_or_run_id: str) -> None:
    """Print the state of one DAG run."""
    from slipstream.services.run_lookup import find_run

    ctx = service_context()
    known_dag(ctx, dag_id)
    click.echo(service_call(find_run, ctx, dag_id, logical_date_or_run_id).state)


@tasks.command("state")
@click.argument("dag_id")
@click.argument("task_id")
@RUN
@MAP_INDEX
@dags_folder_option
def task_state(dag_id: str, task_id: str, logical_date_or_run_id: str, map_index: int, dags_folder: str | None) -> None:
    """Print the state of one task instance (None before the scheduler gave it one)."""
    from slipstream.services import task_instances
    from slipstream.services.run_lookup import find_run

    ctx = dags_context(dags_folder)
    known_task(ctx, dag_id, task_id)
    run = service_call(find_run, ctx, dag_id, logical_date_or_run_id)
    ti = service_call(task_instances.get_task_instance, ctx, dag_id, run.run_id, task_id, map_index)
    click.echo(ti.state or "None")


@tasks.command("failed-deps")
@click.argument("dag_id")
@click.argument("task_id")
@RUN
@MAP_INDEX
@dags_folder_option
def failed_deps(dag_id: str, task_id: str, logical_date_or_run_id: str, map_index: int, dags_folder: str | None) -> None:
    """Why a task instance does not run yet: each dependency it does not meet."""
    from slipstream.services.run_lookup import find_run
    from slipstream.services.task_dependencies import unmet_dependencies

    ctx = dags_context(dags_folder)
    known_task(ctx, dag_id, task_id)
    run = service_call(find_run, ctx, dag_id, logical_date_or_run_id)
    unmet = service_call(unmet_dependencies, ctx, dag_id, run.run_id, task_id, map_index)
    if not unmet:
        click.echo("Task instance dependencies are all met.")
        return
    click.echo("Task instance dependencies not met:")
    for dependency in unmet:
        click.echo(f"{dependency.name}: {dependency.reason}")
