"""``slipstream assets list | details | events | materialize``: the assets DAGs name, who consumes
and produces them, the events tasks recorded, and a run of the DAG that produces one."""

from __future__ import annotations

from typing import Any

import click

from slipstream.cli.environment import dags_context, dags_folder_option, service_call
from slipstream.cli.output import chosen_columns, columns_option, output_option, print_rows

LIST_COLUMNS = ["name", "uri", "group", "consuming_dags", "producing_tasks", "last_event"]
EVENT_COLUMNS = ["timestamp", "asset", "uri", "partition_key", "extra", "source", "source_aliases"]


@click.group()
def assets() -> None:
    """Assets: data DAGs produce (outlets) and are scheduled on (schedule=[Asset(...)])."""


def _context(dags_folder: str | None) -> Any:
    return dags_context(dags_folder)


@assets.command("list")
@dags_folder_option
@click.option("--alias", is_flag=True, help="List the asset aliases instead.")
@columns_option(LIST_COLUMNS)
@output_option
def list_(dags_folder: str | None, output: str, alias: bool = False, columns: str | None = None) -> None:
    """Every asset with the DAGs scheduled on it, the tasks that update it and its latest event."""
    from slipstream.services import assets as asset_service

    if alias:
        found = asset_service.list_aliases(_context(dags_folder)).items
        print_rows([{"name": a.name, "group": a.group} for a in found], output,
                   chosen_columns(columns, ["name", "group"], ["name", "group"]))
        return
    rows = asset_service.overview(_context(dags_folder))
    print_rows(rows, output, chosen_columns(columns, [*LIST_COLUMNS, "extra"],
                                            LIST_COLUMNS + (["extra"] if output == "json" else [])))


@assets.command()
@dags_folder_option
@click.option("--asset", "asset", default=None, metavar="NAME_OR_URI", help="Only the events of this asset.")
@click.option("--limit", type=click.IntRange(min=1), default=25, show_default=True, help="How many events.")
@output_option
def events(dags_folder: str | None, asset: str | None, limit: int, output: str) -> None:
    """The latest asset events, newest first."""
    from slipstream.services import assets as asset_service

    found = service_call(asset_service.recent_events, _context(dags_folder), asset=asset, limit=limit)
    rows = [
        {
            "timestamp": e["timestamp"], "asset": e["asset"]["name"], "uri": e["asset"]["uri"], "extra": e["extra"],
            "source": _source(e), "source_aliases": e["source_aliases"], "partition_key": e.get("partition_key"),
        }
        for e in found
    ]
    print_rows(rows, output, EVENT_COLUMNS)


def _source(event: dict[str, Any]) -> str | None:
    if event["source_dag_id"] is None:
        return None
    where = f"{event['source_dag_id']}.{event['source_task_id']} {event['source_run_id']}"
    return where if event["source_map_index"] < 0 else f"{where} [{event['source_map_index']}]"


def _asset_option(function: Any) -> Any:
    function = click.option("--uri", default=None, help="The asset's URI.")(function)
    return click.option("--name", default=None, help="The asset's name.")(function)


def _named(name: str | None, uri: str | None) -> None:
    if (name is None) == (uri is None):
        raise click.UsageError("give the asset's --name or its --uri (one of them)")


@assets.command()
@_asset_option
@click.option("--alias", is_flag=True, help="NAME is an asset alias.")
@dags_folder_option
@output_option
def details(name: str | None, uri: str | None, alias: bool, dags_folder: str | None, output: str) -> None:
    """One asset (or alias): its URI, group, extra, the DAGs scheduled on it, the tasks that update it."""
    from slipstream.services import assets as asset_service

    ctx = _context(dags_folder)
    if alias:
        if name is None or uri is not None:
            raise click.UsageError("an alias has a --name only")
        found_alias = service_call(asset_service.find_alias, ctx, name)
        print_rows([{"name": found_alias.name, "group": found_alias.group}], output)
        return
    _named(name, uri)
    asset = service_call(asset_service.find_asset, ctx, name=name, uri=uri)
    print_rows([{
        "id": asset.id, "name": asset.name, "uri": asset.uri, "group": asset.group, "extra": asset.extra,
        "created_at": asset.created_at, "scheduled_dags": [dag_id for dag_id, _ in asset.scheduled_dags],
        "producing_tasks": [f"{dag_id}.{task_id}" for dag_id, task_id in asset.producing_tasks],
        "aliases": [a.name for a in asset.aliases], "last_event": asset.last_event[1] if asset.last_event else None,
    }], output)


@assets.command()
@_asset_option
@dags_folder_option
@output_option
def materialize(name: str | None, uri: str | None, dags_folder: str | None, output: str) -> None:
    """Queue a run of the one DAG that updates the asset (a task lists it in its outlets)."""
    from slipstream.cli.dags_commands import _run_row
    from slipstream.services import assets as asset_service
    from slipstream.services import run_actions

    _named(name, uri)
    ctx = _context(dags_folder)
    asset = service_call(asset_service.find_asset, ctx, name=name, uri=uri)
    dag_id = service_call(asset_service.materializing_dag, ctx, asset.id)
    print_rows([_run_row(service_call(run_actions.trigger_run, ctx, dag_id))], output)
