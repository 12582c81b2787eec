"""``slipstream tasks list | test | states-for-dag-run | clear | render``."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import click

from slipstream.cli.dags_commands import _parse_conf, _parse_date, _prepared_to_run, _serialized
from slipstream.cli.environment import (
    changing_dags_context,
    dag_ids_matching,
    dags_context,
    dags_folder_option,
    known_dag,
    load_settings,
    open_store,
    parse_dag_file_of,
    service_call,
    service_context,
)
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
    from slipstream.services import tasks as task_service

    ctx = dags_context(dags_folder)
    known_dag(ctx, dag_id)
    found = service_call(task_service.list_tasks, ctx, dag_id)
    if output == "table":
        for task in found:
            click.echo(task.task_id)
        return
    rows = [
        {
            "task_id": t.task_id, "operator": t.operator_name, "upstream": t.upstream_task_ids,
            "trigger_rule": t.trigger_rule, "pool": t.pool, "queue": t.queue, "owner": t.owner,
            **{key: t.data.get(key) for key in ("executor", "run_as_user", "resources", "executor_config")},
        }
        for t in found
    ]
    print_rows(rows, output)


def _json_object(text: str | None, hint: str) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as err:
        raise click.BadParameter(f"not valid JSON ({err.msg} at character {err.pos}): {text}", param_hint=hint)
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object like '{\"key\": \"value\"}'", param_hint=hint)
    return value


@contextmanager
def _environment(variables: dict[str, Any]) -> Iterator[None]:
    """Set ``variables`` in this process's environment (so the DAG file's parse, in a child
    process, sees them too) and put the environment back afterwards."""
    before = {name: os.environ.get(name) for name in variables}
    os.environ.update({name: str(value) for name, value in variables.items()})
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@tasks.command()
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("logical_date_or_run_id", required=False)
@click.option("-c", "--conf", default=None, help="JSON object for dag_run.conf.")
@click.option("-t", "--task-params", default=None,
              help="JSON object of params for this task: they replace or add to the task's params.")
@click.option("--env-vars", default=None,
              help="JSON object of environment variables, set while the DAG file is parsed and while the task runs.")
@click.option("-m", "--map-index", type=int, default=-1, show_default=True,
              help="For a mapped task: the instance to run (its inputs must be literal lists here).")
@dags_folder_option
def test(
    dag_id: str, task_id: str, logical_date_or_run_id: str | None, conf: str | None, map_index: int,
    dags_folder: str | None, task_params: str | None = None, env_vars: str | None = None,
) -> None:
    """Run one task here, now, without checking dependencies or recording its state; for an
    existing run (its run id or logical date) with that run's dates and conf."""
    params = _json_object(task_params, "--task-params")
    with _environment(_json_object(env_vars, "--env-vars")):
        _test_task(dag_id, task_id, logical_date_or_run_id, _parse_conf(conf), params, map_index, dags_folder)


def _test_task(
    dag_id: str, task_id: str, run: str | None, conf: dict[str, Any] | None, params: dict[str, Any], map_index: int,
    dags_folder: str | None,
) -> None:
    from slipstream.dagfiles.airflow_imports import airflow_imports
    from slipstream.dagfiles.loader import dag_file_settings, load_dag_file
    from slipstream.dagfiles.manual_runs import manual_data_interval
    from slipstream.executors.masked_output import mask_descriptors_from_first_secret
    from slipstream.runner.context import DagRunInfo
    from slipstream.runner.task_logging import configure_task_logging
    from slipstream.runner.task_runner import execute_task
    from slipstream.store.clock import utcnow

    settings, db = _prepared_to_run(dags_folder, dag_id)
    serialized = _serialized(db, dag_id)
    _known_task(serialized, task_id)
    configure_task_logging()
    row = None
    if run is not None:
        with db.read() as session:
            row = _run_for_render(session, dag_id, run)
    if row is not None:
        info = DagRunInfo(
            id=0, dag_id=dag_id, run_id=row.run_id, run_type=row.run_type, logical_date=row.logical_date,
            data_interval_start=row.data_interval_start, data_interval_end=row.data_interval_end,
            conf=conf if conf is not None else (row.conf or {}), start_date=utcnow(),
            partition_key=row.partition_key, partition_date=row.partition_date,
        )
    else:
        when = (_parse_date(run) if run else None) or utcnow()
        interval_start, interval_end = manual_data_interval(serialized, when)
        info = DagRunInfo(
            id=0, dag_id=dag_id, run_id=f"test__{when.isoformat()}", run_type="manual", logical_date=when,
            data_interval_start=interval_start, data_interval_end=interval_end, conf=conf or {}, start_date=when,
        )
    with airflow_imports(), dag_file_settings(settings):
        loaded = load_dag_file(serialized.fileloc)
        dag = next((d for d in loaded.dags if d.dag_id == dag_id), None)
        if dag is None:
            raise click.ClickException(f"DAG {dag_id!r} did not load from {serialized.fileloc}")
        task = dag.get_task(task_id)
        if task.is_mapped and map_index < 0:
            raise click.ClickException(f"Task {task_id!r} is mapped: choose an instance with --map-index N")
        if params:
            task.params.update(params)
        # What the task's child processes write to the console is masked too, as in a task process.
        output = mask_descriptors_from_first_secret()
        try:
            result = execute_task(dag, task_id, info, store=None, map_index=map_index, try_number=1, max_tries=0)
        finally:
            output.stop()
    from slipstream.sdk.secrets_masker import redact

    for key, value in result.xcoms:  # shown masked; the value itself is kept as returned
        click.echo(f"XCom {key}: {json.dumps(redact(value, key))}")
    click.echo(f"Task {task_id} finished: {result.state}" + (f" ({result.error})" if result.error else ""))
    if result.state not in ("success", "skipped"):
        raise SystemExit(1)


def _known_task(serialized: Any, task_id: str) -> None:
    from slipstream.services.known_ids import unknown_task_message

    if task_id not in serialized.tasks:
        raise click.ClickException(unknown_task_message(serialized.dag_id, task_id, serialized.task_ids))


@tasks.command("states-for-dag-run")
@click.argument("dag_id")
@click.argument("logical_date_or_run_id", metavar="LOGICAL_DATE_OR_RUN_ID")
@output_option
def states_for_dag_run(dag_id: str, logical_date_or_run_id: str, output: str) -> None:
    """The state of every task instance of one run, with why it waits or how its last try ended."""
    from dataclasses import asdict

    from slipstream.services import task_instances
    from slipstream.services.run_lookup import find_run

    ctx = service_context()
    known_dag(ctx, dag_id)
    run_id = service_call(find_run, ctx, dag_id, logical_date_or_run_id).run_id
    found = service_call(task_instances.states_for_dag_run, ctx, dag_id, run_id)
    print_rows([asdict(row) for row in found], output)


@tasks.command()
@click.argument("dag_id")
@click.option("-t", "--task-regex", default=None, help="Only tasks whose id matches this regular expression.")
@click.option("-s", "--start-date", default=None, help="Only runs with a logical date on or after this (ISO).")
@click.option("-e", "--end-date", default=None, help="Only runs with a logical date on or before this (ISO).")
@click.option("-u", "--upstream", is_flag=True, help="Also the upstream tasks of the matching ones.")
@click.option("-d", "--downstream", is_flag=True, help="Also the downstream tasks of the matching ones.")
@click.option("-f", "--only-failed", is_flag=True, help="Only failed and upstream_failed task instances.")
@click.option("-r", "--only-running", is_flag=True, help="Only running task instances.")
@click.option("--run-id", default=None, help="Only this run.")
@click.option("-R", "--dag-regex", is_flag=True, help="DAG_ID is a regular expression: every DAG whose id it matches.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@dags_folder_option
def clear(
    dag_id: str, task_regex: str | None, start_date: str | None, end_date: str | None, upstream: bool,
    downstream: bool, only_failed: bool, only_running: bool, run_id: str | None, yes: bool, dags_folder: str | None,
    dag_regex: bool = False,
) -> None:
    """Clear task instances so the scheduler runs them again (their try number goes on)."""
    from slipstream.services.clearing import ClearRequest, clear_task_instances

    ctx = changing_dags_context(dags_folder)
    dag_ids = dag_ids_matching(ctx.db, dag_id) if dag_regex else [dag_id]
    if not dag_regex:
        known_dag(ctx, dag_id)
    request = ClearRequest(
        task_regex=task_regex, start=_parse_date(start_date), end=_parse_date(end_date), include_upstream=upstream,
        include_downstream=downstream, only_failed=only_failed, only_running=only_running, run_id=run_id,
    )
    chosen = [ti for one in dag_ids
              for ti in service_call(clear_task_instances, ctx, one, replace(request, dry_run=True)).task_instances]
    if not chosen:
        click.echo("No task instances to clear.")
        return
    for ti in chosen:
        click.echo(f"<TaskInstance: {ti.dag_id}.{ti.task_id} {ti.dag_run_id} [{ti.state or 'none'}]>")
    if not yes:
        click.confirm(f"Clear these {len(chosen)} task instance(s)?", abort=True)
    cleared = sum(service_call(clear_task_instances, ctx, one, request).cleared for one in dag_ids)
    click.echo(f"Cleared {cleared} task instance(s); the scheduler will run them again.")


@tasks.command()
@click.argument("dag_id")
@click.argument("task_id")
@click.argument("logical_date_or_run_id", metavar="[LOGICAL_DATE_OR_RUN_ID]", required=False)
@click.option("-m", "--map-index", type=int, default=-1, show_default=True, help="Map index of a mapped task.")
@click.option(
    "-t", "--try-number", type=int, default=None,
    help="Show what this try stored (default: the latest try that stored its values).",
)
@dags_folder_option
def render(
    dag_id: str, task_id: str, logical_date_or_run_id: str | None, map_index: int, try_number: int | None,
    dags_folder: str | None,
) -> None:
    """Show the rendered template fields of a task instance: as its try stored them, else rendered now."""
    from slipstream.store import rendered_fields

    settings = load_settings(dags_folder)
    db = open_store(settings)
    with db.read() as session:
        row = _run_for_render(session, dag_id, logical_date_or_run_id)
        stored = None
        if row is not None:
            stored = rendered_fields.get(
                session, dag_id=dag_id, run_id=row.run_id, task_id=task_id, map_index=map_index,
                try_number=try_number,
            )
    if stored is not None:
        click.echo(f"# {dag_id}.{task_id} {stored.run_id} map_index {map_index}: stored by try {stored.try_number} "
                   f"at {stored.timestamp.isoformat()}")
        _print_fields(stored.rendered_fields)
        return
    _render_now(settings, db, dag_id, task_id, logical_date_or_run_id, row, map_index, try_number, dags_folder)


def _run_for_render(session: Any, dag_id: str, run: str | None) -> Any:
    """The run named by its run id or its logical date; the latest run without either; None when
    there is no such run (the fields are then rendered for a run that exists only in memory)."""
    from slipstream.store import dag_runs, previous_runs

    if run is None:
        return previous_runs.latest(session, dag_id)
    found = dag_runs.get(session, dag_id, run)
    if found is not None:
        return found
    try:
        when = _parse_date(run)
    except click.BadParameter:
        raise click.ClickException(
            f"{run!r} is neither a run id of DAG {dag_id!r} nor an ISO logical date "
            f"(see `slipstream dags list-runs {dag_id}`)"
        ) from None
    return previous_runs.run_at(session, dag_id, when) if when is not None else None


def _render_now(
    settings: Any, db: Any, dag_id: str, task_id: str, run: str | None, row: Any, map_index: int,
    try_number: int | None, dags_folder: str | None,
) -> None:
    """Airflow's ``tasks render``: load the DAG file and render the task's fields in this process."""
    from slipstream.dagfiles.airflow_imports import airflow_imports
    from slipstream.dagfiles.loader import dag_file_settings, load_dag_file
    from slipstream.dagfiles.manual_runs import manual_data_interval
    from slipstream.runner.context import DagRunInfo, RuntimeTaskInstance, build_context
    from slipstream.runner.direct_store import DirectTryStore
    from slipstream.sdk.secrets import secrets_provider
    from slipstream.sdk.templating import TemplateRenderError
    from slipstream.store import task_instances
    from slipstream.store.clock import utcnow

    parse_dag_file_of(settings, db, dag_id)
    serialized = _serialized(db, dag_id)
    _known_task(serialized, task_id)
    if row is not None:
        info = DagRunInfo(
            id=row.id, dag_id=dag_id, run_id=row.run_id, run_type=row.run_type, logical_date=row.logical_date,
            data_interval_start=row.data_interval_start, data_interval_end=row.data_interval_end,
            conf=row.conf or {}, start_date=row.start_date, partition_key=row.partition_key,
            partition_date=row.partition_date,
        )
        with db.read() as session:
            ti_row = task_instances.find(session, task_instances.TaskInstanceKey(dag_id, row.run_id, task_id, map_index))
        try_number = try_number or (ti_row.try_number if ti_row is not None and ti_row.try_number else 1)
        origin = f"run {row.run_id}, nothing stored for this task instance yet"
    else:
        when = (_parse_date(run) if run else None) or utcnow()
        interval_start, interval_end = manual_data_interval(serialized, when)
        info = DagRunInfo(
            id=0, dag_id=dag_id, run_id=f"manual__{when.isoformat()}", run_type="manual", logical_date=when,
            data_interval_start=interval_start, data_interval_end=interval_end, start_date=when,
        )
        try_number = try_number or 1
        origin = f"no run of {dag_id} at {when.isoformat()}: a run in memory"
    store = DirectTryStore(db)
    with airflow_imports(), secrets_provider(store), dag_file_settings(settings):
        loaded = load_dag_file(serialized.fileloc)
        dag = next((d for d in loaded.dags if d.dag_id == dag_id), None)
        if dag is None:
            raise click.ClickException(f"DAG {dag_id!r} did not load from {serialized.fileloc}")
        task = dag.get_task(task_id)
        ti = RuntimeTaskInstance(
            store=store, dag_run=info, task=task, map_index=map_index, try_number=try_number, max_tries=task.retries
        )
        context = build_context(dag=dag, task=task, dag_run=info, ti=ti, params=task.params.resolve(info.conf))
        try:
            if getattr(task, "is_mapped", False):
                from slipstream.runner.mapped_instance import unmapped_instance

                task = ti.task = context["task"] = unmapped_instance(task, context, map_index)
            fields = task.render_template_fields(context)
        except TemplateRenderError as err:
            raise click.ClickException(str(err)) from None
        except Exception as err:  # noqa: BLE001 - whatever the DAG's code raised, said in one line
            raise click.ClickException(f"Could not render task {task_id!r}: {type(err).__name__}: {err}") from None
    click.echo(f"# {dag_id}.{task_id} map_index {map_index} try {try_number}: rendered now ({origin})")
    _print_fields(fields)


def _print_fields(fields: dict[str, Any]) -> None:
    """Each field, with the secrets this process knows and the values of sensitive names hidden."""
    from slipstream.sdk.secrets_masker import redact

    for name, value in fields.items():
        value = redact(value, name)
        click.echo(f"\n# ---- {name} ----")
        click.echo(value if isinstance(value, str) else json.dumps(value, indent=2, default=str))
