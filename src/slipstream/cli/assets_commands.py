"""``slipstream assets list | events``: the assets DAGs name, who consumes and produces them, and
the events tasks recorded."""

from __future__ import annotations

from typing import Any

import click

from slipstream.cli.environment import dags_folder_option, load_settings, open_store, parse_dags, read_dags
from slipstream.cli.output import output_option, print_rows

LIST_COLUMNS = ["name", "uri", "group", "consuming_dags", "producing_tasks", "last_event"]
EVENT_COLUMNS = ["timestamp", "asset", "uri", "partition_key", "extra", "source", "source_aliases"]


@click.group()
def assets() -> None:
    """Assets: data DAGs produce (outlets) and are scheduled on (schedule=[Asset(...)])."""


def _store(dags_folder: str | None) -> Any:
    settings = load_settings(dags_folder)
    db = open_store(settings)
    if dags_folder:
        parse_dags(settings, db)
    else:
        read_dags(settings, db)
    return db


@assets.command("list")
@dags_folder_option
@output_option
def list_(dags_folder: str | None, output: str) -> None:
    """Every asset with the DAGs scheduled on it, the tasks that update it and its latest event."""
    from slipstream.store import asset_listings as asset_store

    with _store(dags_folder).read() as session:
        rows = asset_store.list_assets(session)
    print_rows(rows, output, LIST_COLUMNS + (["extra"] if output == "json" else []))


@assets.command()
@dags_folder_option
@click.option("--asset", "asset", default=None, metavar="NAME_OR_URI", help="Only the events of this asset.")
@click.option("--limit", type=click.IntRange(min=1), default=25, show_default=True, help="How many events.")
@output_option
def events(dags_folder: str | None, asset: str | None, limit: int, output: str) -> None:
    """The latest asset events, newest first."""
    from slipstream.store import asset_listings as asset_store

    with _store(dags_folder).read() as session:
        if asset is not None and not asset_store.asset_exists(session, asset):
            raise click.ClickException(
                f"No asset is named {asset!r} or has that URI (see `slipstream assets list`)"
            )
        found = asset_store.recent_events(session, asset=asset, limit=limit)
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
