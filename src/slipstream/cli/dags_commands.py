"""``slipstream dags ...``: list, import errors, show, trigger, test, backfill, runs, pause, unpause, next-execution."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import click

from slipstream.cli.dot_files import dag_dot, print_or_save, save_option
from slipstream.cli.environment import (
    changing_dags_context,
    dag_ids_matching,
    dags_context,
    dags_folder_option,
    known_dag,
    load_settings,
    local_option,
    open_store,
    parse_dag_file_of,
    parse_dags,
    read_dags,
    service_call,
    service_context,
)
from slipstream.cli.output import chosen_columns, columns_option, output_option, print_rows

LIST_COLUMNS = ["dag_id", "fileloc", "owners", "is_paused", "schedule", "tags", "next_dagrun"]


@click.group()
def dags() -> None:
    """DAGs: what is loaded, and their runs."""


def _prepared(dags_folder: str | None, local: bool = False) -> tuple[Any, Any]:
    """Settings and store, with the DAGs as the scheduler recorded them; parsed here with
    ``local``, with ``-S FOLDER`` (that folder), or when the folders were never recorded."""
    ctx = dags_context(dags_folder, local)
    return ctx.settings, ctx.db


def _prepared_to_run(dags_folder: str | None, dag_id: str, settings: Any = None, db: Any = None) -> tuple[Any, Any]:
    """For a command that runs the DAG's code now: its file is parsed here first (the folder,
    with ``-S FOLDER`` or when the DAG is not recorded yet), so it runs the code as it is."""
    settings = settings or load_settings(dags_folder)
    db = db or open_store(settings)
    if dags_folder:
        parse_dags(settings, db, [settings.dags_folder])
    else:
        parse_dag_file_of(settings, db, dag_id)
    return settings, db


def _serialized(db: Any, dag_id: str) -> Any:
    from slipstream.scheduler.triggering import DagNotFound, load_serialized

    try:
        return load_serialized(db, dag_id)
    except DagNotFound as err:
        raise click.ClickException(str(err)) from None


def _parse_conf(conf: str | None) -> dict[str, Any] | None:
    if conf is None:
        return None
    try:
        value = json.loads(conf)
    except json.JSONDecodeError as err:
        raise click.BadParameter(f"not valid JSON ({err.msg} at character {err.pos}): {conf}", param_hint="--conf")
    if not isinstance(value, dict):
        raise click.BadParameter("must be a JSON object like '{\"key\": \"value\"}'", param_hint="--conf")
    return value


def _parse_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date like 2024-01-31 or 2024-01-31T02:00:00+00:00") from None
    if parsed.tzinfo is None:

        parsed = parsed.replace(tzinfo=UTC)
    return parsed


@dags.command("list")
@dags_folder_option
@click.option("--include-inactive", is_flag=True, help="Also DAGs whose file is gone.")
@local_option
@columns_option(LIST_COLUMNS)
@output_option
def list_(
    dags_folder: str | None, include_inactive: bool, output: str, local: bool = False, columns: str | None = None
) -> None:
    """The DAGs loaded from the DAG folders, as the scheduler recorded them."""
    from slipstream.services import dags as dag_service
    from slipstream.store.dag_listing import DagFilter

    ctx = dags_context(dags_folder, local)
    rows = [
        {
            "dag_id": d.dag_id,
            "dag_display_name": d.dag_display_name,
            "fileloc": d.fileloc,
            "owners": ", ".join(d.owners),
            "is_paused": d.is_paused,
            "schedule": d.schedule_text,
            "tags": d.tags,
            "next_dagrun": d.next_dagrun,
        }
        for d in dag_service.list_dags(ctx, DagFilter(exclude_stale=not include_inactive)).items
    ]
    known = list(rows[0]) if rows else [*LIST_COLUMNS, "dag_display_name"]
    print_rows(rows, output, chosen_columns(columns, known, LIST_COLUMNS if output != "json" else None))


@dags.command("list-import-errors")
@dags_folder_option
@local_option
@output_option
def list_import_errors(dags_folder: str | None, output: str, local: bool = False) -> None:
    """DAG files that failed to load, with the line and the error, as the scheduler recorded them."""
    from slipstream.services import import_errors

    errors = import_errors.list_import_errors(dags_context(dags_folder, local)).items
    rows = [{"filepath": e.filename, "line": e.line, "error": e.exception, "stacktrace": e.stacktrace} for e in errors]
    if output == "json":
        print_rows(rows, output)
    else:
        print_rows(rows, output, ["filepath", "line", "error"])


@dags.command()
@click.argument("dag_id")
@save_option
@dags_folder_option
def show(dag_id: str, dags_folder: str | None, save: str | None = None) -> None:
    """Print the DAG's graph in Graphviz DOT."""
    from slipstream.services import dags as dag_service

    ctx = dags_context(dags_folder)
    known_dag(ctx, dag_id)
    dag = service_call(dag_service.serialized_dag, ctx, dag_id)
    print_or_save(dag_dot(dag), save)


@dags.command()
@click.argument("dag_id")
@click.option("-c", "--conf", default=None, help="JSON object for dag_run.conf; merged into params.")
@click.option("-r", "--run-id", default=None, help="Run id (default manual__<logical date>).")
@click.option("-l", "--logical-date", "-e", "--exec-date", "logical_date", default=None, help="Logical date (ISO).")
@click.option("--partition-key", default=None, help="The partition the run is for (partitioned DAGs).")
@click.option("--no-replace-microseconds", is_flag=True,
              help="Keep the microseconds of --logical-date (by default they are set to zero).")
@dags_folder_option
@output_option
def trigger(
    dag_id: str, conf: str | None, run_id: str | None, logical_date: str | None, dags_folder: str | None, output: str,
    partition_key: str | None = None, no_replace_microseconds: bool = False,
) -> None:
    """Queue a manual run; the scheduler runs it."""
    from slipstream.services import run_actions

    ctx = changing_dags_context(dags_folder)
    known_dag(ctx, dag_id)
    when = _parse_date(logical_date)
    if when is not None and not no_replace_microseconds:
        when = when.replace(microsecond=0)
    run = service_call(run_actions.trigger_run, ctx, dag_id, run_id=run_id, conf=_parse_conf(conf),
                       logical_date=when, partition_key=partition_key)
    print_rows([_run_row(run)], output)


def _run_row(run: Any) -> dict[str, Any]:
    return {
        "dag_id": run.dag_id,
        "run_id": run.run_id,
        "state": run.state,
        "run_type": run.run_type,
        "logical_date": run.logical_date,
        "start_date": run.start_date,
        "end_date": run.end_date,
        "conf": dict(run.conf or {}),
    }


@dags.command("list-runs")
@click.argument("dag_id", required=False)
@click.option("-d", "--dag-id", "dag_id_option", default=None, help="The DAG (Airflow 2 spelling).")
@click.option("--state", default=None, help="Only runs in this state.")
@click.option("--limit", type=int, default=None, help="At most this many runs, newest first.")
@click.option("-s", "--start-date", default=None, help="Only runs with a logical date on or after this (ISO).")
@click.option("-e", "--end-date", default=None, help="Only runs with a logical date on or before this (ISO).")
@click.option("--no-backfill", is_flag=True, help="Leave out backfill runs.")
@output_option
def list_runs(
    dag_id: str | None, dag_id_option: str | None, state: str | None, limit: int | None, output: str,
    start_date: str | None = None, end_date: str | None = None, no_backfill: bool = False,
) -> None:
    """Runs of a DAG, newest first."""
    from slipstream.services import dag_runs
    from slipstream.store.patterns import Range
    from slipstream.store.states import DagRunType

    if dag_id and dag_id_option and dag_id != dag_id_option:
        raise click.UsageError(f"two different DAGs given: {dag_id!r} and -d {dag_id_option!r}")
    dag_id = dag_id or dag_id_option
    if not dag_id:
        raise click.UsageError("give the DAG: slipstream dags list-runs DAG_ID")
    where = dag_runs.RunFilter(
        states=[state] if state else None,
        run_types=[t.value for t in DagRunType if t != DagRunType.BACKFILL] if no_backfill else None,
        logical_date=Range(gte=_parse_date(start_date), lte=_parse_date(end_date)),
    )
    ctx = service_context()
    known_dag(ctx, dag_id)
    page = service_call(dag_runs.list_runs, ctx, dag_id, where, order_by=["-id"], limit=limit)
    rows = [_run_row(run) for run in page.items]
    columns = ["dag_id", "run_id", "state", "run_type", "logical_date", "start_date", "end_date"]
    print_rows(rows, output, columns if output != "json" else None)


def _set_paused(dag_id: str, paused: bool, output: str = "table", as_regex: bool = False, yes: bool = False) -> None:
    from slipstream.services import dags as dag_service

    ctx = service_context()
    if as_regex:
        read_dags(ctx.settings, ctx.db)
        chosen = dag_ids_matching(ctx.db, dag_id)
        if not yes:
            click.confirm(f"{'Pause' if paused else 'Unpause'} {len(chosen)} DAG(s): {', '.join(chosen)}?", abort=True)
    else:
        known_dag(ctx, dag_id)
        chosen = [dag_id]
    changed = [service_call(dag_service.set_paused, ctx, one, paused) for one in chosen]
    if output == "table":
        for dag in changed:
            click.echo(f"Dag: {dag.dag_id}, paused: {dag.is_paused}")
        return
    print_rows([{"dag_id": d.dag_id, "is_paused": d.is_paused} for d in changed], output)


def _pause_options(function: Any) -> Any:
    function = output_option(function)
    function = click.option("-y", "--yes", is_flag=True, help="Do not ask before changing several DAGs.")(function)
    return click.option("--treat-dag-id-as-regex", "as_regex", is_flag=True,
                        help="DAG_ID is a regular expression: every DAG whose id it matches.")(function)


@dags.command()
@click.argument("dag_id")
@_pause_options
def pause(dag_id: str, as_regex: bool, yes: bool, output: str) -> None:
    """Stop creating and starting runs of the DAG."""
    _set_paused(dag_id, True, output, as_regex, yes)


@dags.command()
@click.argument("dag_id")
@_pause_options
def unpause(dag_id: str, as_regex: bool, yes: bool, output: str) -> None:
    """Let the DAG run again."""
    _set_paused(dag_id, False, output, as_regex, yes)


NEXT_FIELDS = ("logical_date", "data_interval.start", "data_interval.end", "partition_key", "partition_date",
               "run_after")


def _next_run_fields(info: Any, timetable: Any) -> dict[str, Any]:
    """What ``next-execution`` can show of one next run: a partitioned schedule's run has a
    partition instead of a logical date and data interval."""
    if hasattr(timetable, "partition_date"):
        partition_date = timetable.partition_date(info.run_after)
        return {"logical_date": None, "data_interval.start": None, "data_interval.end": None,
                "partition_key": timetable.partition_key(partition_date), "partition_date": partition_date,
                "run_after": info.run_after}
    return {"logical_date": info.logical_date, "data_interval.start": info.data_interval_start,
            "data_interval.end": info.data_interval_end, "partition_key": None, "partition_date": None,
            "run_after": info.run_after}


@dags.command("next-execution")
@click.argument("dag_id")
@click.option("-n", "--num-executions", type=click.IntRange(min=1), default=1, show_default=True,
              help="How many of the next runs to print.")
@click.option("--field", type=click.Choice(NEXT_FIELDS), default=None,
              help="Print this field of each next run (default: its logical date, or its partition key for a "
              "partitioned schedule).")
@click.option("--table", is_flag=True,
              help="Print a table of the fields that matter for the DAG's schedule, one row per next run.")
@dags_folder_option
def next_execution(dag_id: str, num_executions: int, dags_folder: str | None, field: str | None = None,
                   table: bool = False) -> None:
    """The next scheduled runs of the DAG, one per line: their logical dates, or another field."""
    from itertools import islice

    from slipstream.store import dags as dag_store
    from slipstream.store import next_runs
    from slipstream.store.clock import utcnow
    from slipstream.timetables import DagSchedule

    if table and field:
        raise click.UsageError("--table and --field do not go together")
    settings, db = _prepared(dags_folder)
    dag = _serialized(db, dag_id)
    schedule = DagSchedule.from_serialized(dag.data, catchup_by_default=settings.catchup_by_default)
    with db.read() as session:
        paused = dag_store.get_dag(session, dag_id).is_paused
        last = next_runs.last_run_interval(session, dag_id, schedule)
    if paused:
        click.echo("[INFO] Please be reminded this DAG is PAUSED now.", err=True)
    timetable = schedule.timetable
    found = [_next_run_fields(info, timetable) for info in islice(schedule.upcoming(last, utcnow()), num_executions)]
    if len(found) < num_executions:
        click.echo(
            "[WARN] No following schedule can be found. This DAG may have schedule interval '@once' or `None`.",
            err=True,
        )
    partitioned = hasattr(timetable, "partition_date")
    if table:
        columns = (["partition_key", "partition_date", "run_after"] if partitioned
                   else ["logical_date", "data_interval.start", "data_interval.end", "run_after"])
        print_rows(found, "table", columns)
        return
    shown = field or ("partition_key" if partitioned else "logical_date")
    for row in found:
        value = row[shown]
        click.echo(value.isoformat() if isinstance(value, datetime) else str(value))
    if len(found) < num_executions:
        click.echo("None")


@dags.command()
@click.argument("dag_id")
@click.option("-s", "--start-date", required=True, help="First logical date (ISO, inclusive).")
@click.option("-e", "--end-date", required=True, help="Last logical date (ISO, inclusive).")
@click.option("--reset-dagruns", is_flag=True, help="Clear existing runs in the range and run them again.")
@click.option("--rerun-failed-tasks", is_flag=True, help="Run the failed tasks of existing runs in the range again.")
@click.option("--run-backwards", "-B", is_flag=True, help="Newest interval first.")
@click.option("--max-active-runs", type=click.IntRange(min=1), default=None,
              help="At most this many backfill runs at once (default: the DAG's max_active_runs).")
@click.option("--ignore-depends-on-past", "-I", is_flag=True,
              help="Run tasks with depends_on_past / wait_for_downstream whatever the previous run's tasks did.")
@click.option("--dry-run", is_flag=True, help="Print the runs it would create or run; change nothing.")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
@dags_folder_option
def backfill(
    dag_id: str, start_date: str, end_date: str, reset_dagruns: bool, rerun_failed_tasks: bool, run_backwards: bool,
    max_active_runs: int | None, ignore_depends_on_past: bool, dry_run: bool, yes: bool, dags_folder: str | None,
) -> None:
    """Run the DAG for every interval of its schedule between two dates; exit 1 if a run fails or
    the runs left can never finish (a depends_on_past deadlock: it says which runs wait on what)."""
    from slipstream.cli.backfill_commands import backfill_now

    backfill_now(
        dag_id, _parse_date(start_date), _parse_date(end_date), reset_dagruns=reset_dagruns,
        rerun_failed_tasks=rerun_failed_tasks, run_backwards=run_backwards, max_active_runs=max_active_runs,
        ignore_depends_on_past=ignore_depends_on_past, dry_run=dry_run, yes=yes, dags_folder=dags_folder,
    )
