"""``slipstream assets list | events``: the assets DAGs name, who consumes and produces them, and
the events tasks recorded."""

from __future__ import annotations

from typing import Any

import click

from slipstream.cli.environment import dags_context, dags_folder_option, service_call
from slipstream.cli.output import output_option, print_rows

LIST_COLUMNS = ["name", "uri", "group", "consuming_dags", "producing_tasks", "last_event"]
EVENT_COLUMNS = ["timestamp", "asset", "uri", "partition_key", "extra", "source", "source_aliases"]


@click.group()
def assets() -> None:
    """Assets: data DAGs produce (outlets) and are scheduled on (schedule=[Asset(...)])."""


def _context(dags_folder: str | None) -> Any:
    return dags_context(dags_folder)


@assets.command("list")
@dags_folder_option
@output_option
def list_(dags_folder: str | None, output: str) -> None:
    """Every asset with the DAGs scheduled on it, the tasks that update it and its latest event."""
    from slipstream.services import assets as asset_service

    rows = asset_service.overview(_context(dags_folder))
    print_rows(rows, output, LIST_COLUMNS + (["extra"] if output == "json" else []))


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
