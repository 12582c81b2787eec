"""``slipstream tasks list | test | states-for-dag-run``."""

from __future__ import annotations

import json
from typing import Any

import click

from slipstream.cli.dags_commands import _parse_conf, _parse_date, _prepared, _serialized
from slipstream.cli.environment import dags_folder_option, load_settings, open_store
from slipstream.cli.output import output_option, print_rows


@click.group()
def tasks() -> None:
    """Tasks of a DAG and their task instances."""


@tasks.command("list")
@click.argument("dag_id")
@dags_folder_option
@output_option
def list_(dag_id: str, dags_folder: str | None, output: str) -> None:
    """The tasks of a DAG, upstream before downstream."""
    _, db = _prepared(dags_folder)
    dag = _serialized(db, dag_id)
    if output == "table":
        for task_id in dag.task_ids:
            click.echo(task_id)
        return
    rows = [
        {"task_id": t.task_id, "operator": t.operator, "upstream": t.upstream, "trigger_rule": t.trigger_rule}
        for t in dag.tasks.values()
    ]
    print_rows(rows, output)


@tasks.command()
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("logical_date", required=False)
@click.option("-c", "--conf", default=None, help="JSON object for dag_run.conf.")
@dags_folder_option
def test(dag_id: str, task_id: str, logical_date: str | None, conf: str | None, dags_folder: str | None) -> None:
    """Run one task here, now, without checking dependencies or recording its state."""
    from slipstream.dagfiles.airflow_imports import airflow_imports
    from slipstream.dagfiles.loader import load_dag_file
    from slipstream.runner.context import DagRunInfo
    from slipstream.runner.task_logging import configure_task_logging
    from slipstream.runner.task_runner import execute_task
    from slipstream.store.types import utcnow

    _, db = _prepared(dags_folder)
    serialized = _serialized(db, dag_id)
    if task_id not in serialized.tasks:
        raise click.ClickException(f"Task {task_id!r} not found in DAG {dag_id!r}; its tasks: {', '.join(serialized.task_ids)}")
    configure_task_logging()
    when = _parse_date(logical_date) or utcnow()
    with airflow_imports():
        loaded = load_dag_file(serialized.fileloc)
        dag = next((d for d in loaded.dags if d.dag_id == dag_id), None)
        if dag is None:
            raise click.ClickException(f"DAG {dag_id!r} did not load from {serialized.fileloc}")
        run = DagRunInfo(
            id=0, dag_id=dag_id, run_id=f"test__{when.isoformat()}", run_type="manual", logical_date=when,
            data_interval_start=when, data_interval_end=when, conf=_parse_conf(conf) or {}, start_date=when,
        )
        result = execute_task(dag, task_id, run, store=None, map_index=-1, try_number=1, max_tries=0)
    for key, value in result.xcoms:
        click.echo(f"XCom {key}: {json.dumps(value)}")
    click.echo(f"Task {task_id} finished: {result.state}" + (f" ({result.error})" if result.error else ""))
    if result.state not in ("success", "skipped"):
        raise SystemExit(1)


@tasks.command("states-for-dag-run")
@click.argument("dag_id")
@click.argument("run_id")
@output_option
def states_for_dag_run(dag_id: str, run_id: str, output: str) -> None:
    """The state of every task instance of one run, with why it waits or how its last try ended."""
    from slipstream.store import dag_runs, task_instances

    db = open_store(load_settings())
    with db.read() as session:
        run = dag_runs.get(session, dag_id, run_id)
        if run is None:
            raise click.ClickException(f"DAG run {run_id!r} of DAG {dag_id!r} not found (see `slipstream dags list-runs {dag_id}`)")
        rows: list[dict[str, Any]] = [
            {
                "dag_id": ti.dag_id,
                "logical_date": run.logical_date,
                "task_id": ti.task_id,
                "map_index": ti.map_index,
                "state": ti.state,
                "try_number": ti.try_number,
                "start_date": ti.start_date,
                "end_date": ti.end_date,
                "reason": ti.state_reason,
            }
            for ti in task_instances.for_run(session, dag_id, run_id)
        ]
    print_rows(rows, output)


@tasks.command()
@click.argument("dag_id")
@click.option("-t", "--task-regex", default=None, help="Only tasks whose id matches this regular expression.")
@click.option("-s", "--start-date", default=None, help="Only runs with a logical date on or after this (ISO).")
@click.option("-e", "--end-date", default=None, help="Only runs with a logical date on or before this (ISO).")
@click.option("-u", "--upstream", is_flag=True, help="Also the upstream tasks of the matching ones.")
@click.option("-d", "--downstream", is_flag=True, help="Also the downstream tasks of the matching ones.")
@click.option("-f", "--only-failed", is_flag=True, help="Only failed and upstream_failed task instances.")
@click.option("-r", "--only-running", is_flag=True, help="Only running task instances.")
@click.option("-R", "--run-id", default=None, help="Only this run.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@dags_folder_option
def clear(
    dag_id: str, task_regex: str | None, start_date: str | None, end_date: str | None, upstream: bool,
    downstream: bool, only_failed: bool, only_running: bool, run_id: str | None, yes: bool, dags_folder: str | None,
) -> None:
    """Clear task instances so the scheduler runs them again (their try number goes on)."""
    from slipstream.scheduler.clearing import select_to_clear
    from slipstream.store import clearing

    _, db = _prepared(dags_folder)
    dag = _serialized(db, dag_id)
    try:
        with db.read() as session:
            rows = select_to_clear(
                session, dag, task_regex=task_regex, start=_parse_date(start_date), end=_parse_date(end_date),
                upstream=upstream, downstream=downstream, only_failed=only_failed, only_running=only_running,
                run_id=run_id,
            )
    except ValueError as err:
        raise click.ClickException(str(err)) from None
    if not rows:
        click.echo("No task instances to clear.")
        return
    for row in rows:
        click.echo(f"<TaskInstance: {row.dag_id}.{row.task_id} {row.run_id} [{row.state}]>")
    if not yes:
        click.confirm(f"Clear these {len(rows)} task instance(s)?", abort=True)
    with db.write() as session:
        cleared = clearing.clear(session, rows, {t.task_id: t.retries for t in dag.tasks.values()})
    click.echo(f"Cleared {cleared} task instance(s); the scheduler will run them again.")
