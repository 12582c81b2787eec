"""``slipstream dags test``: one whole DAG run now, in this process's own scheduler, with live
progress and the tasks' log lines; Airflow's options (``--mark-success-pattern``,
``--use-executor``, ``--show-dagrun``, ``--save-dagrun``, ``--dagfile-path``)."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import click

from slipstream.cli.dags_commands import _parse_conf, _parse_date, _serialized, dags
from slipstream.cli.dot_files import print_or_save
from slipstream.cli.environment import dags_folder_option, load_settings, open_store


def _pattern(_ctx: click.Context, _param: click.Parameter, value: str | None) -> re.Pattern[str] | None:
    if value is None:
        return None
    try:
        return re.compile(value)
    except re.error as err:
        raise click.BadParameter(f"not a valid regular expression ({err}): {value}") from None


def _dag_file(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_file():
        raise click.BadParameter(f"no such file: {value}")
    return path


@dags.command()
@click.argument("dag_id")
@click.argument("logical_date", required=False)
@click.option("-c", "--conf", default=None, help="JSON object for dag_run.conf; merged into params.")
@click.option("--timeout", type=float, default=None, help="Give up after this many seconds.")
@click.option("-q", "--quiet", is_flag=True, help="Show only the live table of task states, not the tasks' log lines.")
@click.option(
    "--mark-success-pattern", metavar="REGEX", default=None, callback=_pattern,
    help="Do not run the tasks whose task_id matches REGEX whole: record them as successful (e.g. to step over a "
    "sensor or a clean-up while testing).",
)
@click.option(
    "--use-executor", is_flag=True,
    help="Run the tasks on the executor of [core] executor (e.g. Celery workers) instead of local task processes.",
)
@click.option("--show-dagrun", is_flag=True, help="After the run, print the DAG's graph in DOT, each task in its state's colour.")
@click.option(
    "--save-dagrun", metavar="FILE", default=None,
    help="After the run, write that graph to FILE: DOT text for .dot/.gv, else drawn by Graphviz's dot.",
)
@click.option(
    "-f", "--dagfile-path", metavar="FILE", default=None, callback=_dag_file,
    help="Parse only this DAG file (absolute, or relative to the current folder) and run the DAG it defines.",
)
@dags_folder_option
def test(
    dag_id: str, logical_date: str | None, conf: str | None, timeout: float | None, dags_folder: str | None,
    quiet: bool = False, mark_success_pattern: re.Pattern[str] | None = None, use_executor: bool = False,
    show_dagrun: bool = False, save_dagrun: str | None = None, dagfile_path: Path | None = None,
) -> None:
    """Run one whole DAG run now, tasks in parallel, with live progress and each task's log lines
    (prefixed by its task id) as they are written; exit 1 if it fails."""
    from slipstream.cli.environment import processor_of, run_processor
    from slipstream.cli.progress import WarmingExecutor, run_with_progress
    from slipstream.dagfiles.processor import DagFileProcessor

    run_conf, when = _parse_conf(conf), _parse_date(logical_date)
    settings = load_settings(dags_folder)
    db = open_store(settings)  # migrated before the executor's store service reads it
    # The DAG's file parsed here first (the given file, the -S folder, or the file the store
    # knows), so that it runs the code as it is; the parsing process starts with the executor's.
    if dagfile_path is not None:
        processor = DagFileProcessor(settings, db, [dagfile_path])
    elif dags_folder:
        processor = DagFileProcessor(settings, db, [settings.dags_folder])
    else:
        processor = processor_of(settings, db, dag_id)
    executor = WarmingExecutor(
        settings, db, launch_first=[processor], executor_name=None if use_executor else "LocalExecutor",
        mark_success_pattern=mark_success_pattern,
    )
    run = None
    try:
        parsed = run_processor(processor)
        if dagfile_path is not None:
            _defined_in(dag_id, dagfile_path, parsed)
        dag = _serialized(db, dag_id)
        run = run_with_progress(
            settings, db, dag_id, conf=run_conf, logical_date=when, timeout=timeout, quiet=quiet, executor=executor
        )
    finally:
        executor.end(kill=run is None)
    if show_dagrun or save_dagrun:
        dot = _run_dot(db, dag, run.id)
        if save_dagrun:
            print_or_save(dot, save_dagrun)
        if show_dagrun:
            click.echo(dot)
    if run.state != "success":
        raise SystemExit(1)


def _defined_in(dag_id: str, path: Path, parsed: Any) -> None:
    """The DAG must come from ``path``: say what the file holds instead."""
    for result in parsed.parsed:
        if os.path.realpath(result.path) != str(path):
            continue
        if result.errors:
            error = result.errors[0]
            where = f"{path}:{error['line']}" if error.get("line") else str(path)
            raise click.ClickException(f"{where} could not be loaded: {error['exception']}")
        ids = sorted(data["dag_id"] for data, _ in result.dags)
        if dag_id not in ids:
            raise click.ClickException(
                f"{path} does not define the DAG {dag_id!r}; it defines: {', '.join(ids) or 'no DAG'}"
            )
        return
    raise click.ClickException(f"{path} was not parsed: is it a Python file?")


def _run_dot(db: Any, dag: Any, dag_run_id: int) -> str:
    """The DAG's graph with each task's state in this run (a mapped task: failed if one of its
    instances failed, else the state most of them are in)."""
    from slipstream.cli.dot_files import dag_dot
    from slipstream.store import run_progress

    with db.read() as session:
        counts = run_progress.progress(session, dag_run_id, 0).counts
    states = {task_id: "failed" if by_state["failed"] else by_state.most_common(1)[0][0] for task_id, by_state in counts.items()}
    return dag_dot(dag, states)
