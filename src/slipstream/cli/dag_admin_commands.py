"""``slipstream dags details | delete | report | reserialize | show-dependencies | list-jobs``."""

from __future__ import annotations

import dataclasses
from typing import Any

import click

from slipstream.cli.dags_commands import dags
from slipstream.cli.dot_files import print_or_save, save_option
from slipstream.cli.environment import (
    dags_context,
    dags_folder_option,
    known_dag,
    load_settings,
    open_store,
    parse_dags,
    service_call,
    service_context,
)
from slipstream.cli.output import output_option, print_rows


def _details_row(details: Any) -> dict[str, Any]:
    row = dataclasses.asdict(details.dag)
    row.update({f.name: getattr(details, f.name) for f in dataclasses.fields(details) if f.name != "dag"})
    row["dagrun_timeout"] = None if details.dagrun_timeout is None else str(details.dagrun_timeout)
    return row


@dags.command()
@click.argument("dag_id")
@dags_folder_option
@output_option
def details(dag_id: str, dags_folder: str | None, output: str) -> None:
    """Everything recorded of one DAG: its listing fields and its arguments."""
    from slipstream.services import dags as dag_service

    ctx = dags_context(dags_folder)
    known_dag(ctx, dag_id)
    row = _details_row(service_call(dag_service.get_dag_details, ctx, dag_id))
    if output in ("json", "yaml"):
        print_rows([row], output)
    else:
        print_rows([{"property_name": k, "property_value": v} for k, v in row.items()], output)


@dags.command()
@click.argument("dag_id")
@click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")
def delete(dag_id: str, yes: bool) -> None:
    """Delete the DAG's records (runs, task instances, XComs and their history); its file is left
    alone, so the scheduler records the DAG again while the file defines it."""
    from slipstream.services import dags as dag_service

    ctx = service_context()
    known_dag(ctx, dag_id)
    if not yes:
        click.confirm(f"This deletes every record of DAG {dag_id}: its runs, task instances and their history. "
                      "Continue?", abort=True)
    service_call(dag_service.delete_dag, ctx, dag_id)
    click.echo(f"Deleted DAG {dag_id} and its records.")


@dags.command()
@dags_folder_option
@output_option
def report(dags_folder: str | None, output: str) -> None:
    """Parse the DAG files now and report each file's parse time and its DAGs and tasks."""
    settings = load_settings(dags_folder)
    parsed = parse_dags(settings, open_store(settings)).parsed
    rows = [
        {
            "file": item.path,
            "duration": f"{item.seconds:.3f}s",
            "dag_num": len(item.dags),
            "task_num": sum(len(data.get("tasks") or ()) for data, _ in item.dags),
            "dags": ", ".join(data["dag_id"] for data, _ in item.dags),
            "errors": len(item.errors),
        }
        for item in sorted(parsed, key=lambda p: -p.seconds)
    ]
    print_rows(rows, output, ["file", "duration", "dag_num", "task_num", "dags", "errors"])


@dags.command()
@dags_folder_option
def reserialize(dags_folder: str | None) -> None:
    """Parse every DAG file now and record its DAGs again, whether the file changed or not."""
    settings = load_settings(dags_folder)
    result = parse_dags(settings, open_store(settings))
    dag_count = sum(len(item.dags) for item in result.parsed)
    failed = sum(1 for item in result.parsed if item.errors)
    click.echo(f"Reserialized {dag_count} DAG(s) from {len(result.parsed)} file(s)"
               + (f"; {failed} file(s) failed to load (see `slipstream dags list-import-errors`)." if failed else "."))


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dags.command("show-dependencies")
@save_option
@dags_folder_option
def show_dependencies(dags_folder: str | None, save: str | None = None) -> None:
    """Print in Graphviz DOT how DAGs depend on each other through the assets they update and are scheduled on."""
    from slipstream.services.dag_dependencies import asset_edges

    edges = asset_edges(dags_context(dags_folder))
    nodes = sorted({node for edge in edges for node in (edge.source, edge.target)})
    lines = ["digraph dependencies {", "  rankdir=LR;"]
    for node in nodes:
        kind, name = node.split(":", 1)
        shape = "box" if kind == "dag" else "ellipse"
        lines.append(f"  {_quoted(node)} [label={_quoted(name)}, shape={shape}];")
    lines.extend(f"  {_quoted(edge.source)} -> {_quoted(edge.target)};" for edge in edges)
    lines.append("}")
    print_or_save("\n".join(lines), save)


@dags.command("list-jobs")
@click.option("-d", "--dag-id", default=None,
              help="Only jobs of this DAG: Slipstream's jobs (schedulers) serve every DAG, so this checks the id.")
@click.option("--state", type=click.Choice(["running", "success", "failed", "restarting"]), default=None,
              help="Only jobs in this state.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="At most this many, newest first.")
@output_option
def list_jobs(dag_id: str | None, state: str | None, limit: int | None, output: str) -> None:
    """The jobs (scheduler processes) recorded, newest first, with their heartbeat."""
    from slipstream.services import jobs

    ctx = service_context()
    if dag_id:
        known_dag(ctx, dag_id)
    found = service_call(jobs.list_jobs, ctx, state=state, limit=limit, order_by=["-id"]).items
    rows = [dataclasses.asdict(job) for job in found]
    print_rows(rows, output, ["id", "job_type", "state", "hostname", "pid", "start_date", "end_date", "latest_heartbeat"])
