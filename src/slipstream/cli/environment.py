"""What every command needs: settings, a migrated store, and fresh parse results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from slipstream.config import Config, ConfigError, Settings


def load_settings(dags_folder: str | None = None) -> Settings:
    try:
        settings = Settings.from_config(Config.load())
    except ConfigError as err:
        raise click.ClickException(f"Configuration error: {err}") from None
    if dags_folder:
        settings = settings.replace(dags_folder=Path(dags_folder).expanduser().resolve())
    return settings


def open_store(settings: Settings, migrate_if_needed: bool = True) -> Any:
    """The database, migrated to the newest schema if it is behind (a fresh SQLite file is created)."""
    from slipstream.store import migrate
    from slipstream.store.db import Database

    db = Database(settings.sql_alchemy_conn)
    if migrate_if_needed:
        status = refuse_unknown_revision(db)
        if status != "current":
            migrate.migrate(db)
    return db


def refuse_unknown_revision(db: Any) -> str:
    """The schema status ('current' or 'behind'); a revision this version does not know is a clear error."""
    from slipstream.store import migrate

    status = migrate.check_revision(db)
    if status == "unknown":
        raise click.ClickException(
            f"The database {db!r} has schema revision {migrate.current_revision(db)!r}, which this version of "
            "Slipstream does not know: it was written by a newer version. Upgrade Slipstream or use another database."
        )
    return status


def parse_dags(settings: Settings, db: Any) -> Any:
    """Parse the DAG folders once (changed files only matter to a long-running processor)."""
    from slipstream.dagfiles.processor import DagFileProcessor

    processor = DagFileProcessor(settings, db)
    try:
        return processor.process(force=True)
    finally:
        processor.close()


def dags_folder_option(function: Any) -> Any:
    return click.option(
        "-S", "--subdir", "--dags-folder", "dags_folder", default=None,
        help="Folder with the DAG files (default: [core] dags_folder).",
    )(function)
