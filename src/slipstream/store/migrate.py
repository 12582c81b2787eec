"""Schema migrations with Alembic: migrate to the newest revision, check, reset."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from slipstream.store.db import Database
from slipstream.store.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(connection: Any) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _head() -> str:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head() or ""


def current_revision(db: Database) -> str | None:
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_revision(db: Database) -> str:
    """'current', 'behind' (or empty), or 'unknown' (a revision this version does not know)."""
    current = current_revision(db)
    head = _head()
    if current == head:
        return "current"
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    known = {s.revision for s in ScriptDirectory.from_config(config).walk_revisions()}
    return "behind" if current is None or current in known else "unknown"


def migrate(db: Database) -> tuple[str | None, str]:
    """Upgrade the schema to the newest revision; returns (revision before, revision after)."""
    from alembic import command

    before = current_revision(db)
    with db.engine.begin() as connection:
        command.upgrade(_config(connection), "head")
    return before, _head()


@dataclass(frozen=True)
class SchemaCheck:
    current: str | None
    head: str
    differences: list[str]

    @property
    def ok(self) -> bool:
        return self.current == self.head and not self.differences


def check(db: Database) -> SchemaCheck:
    """Is the database at the newest revision, and do its tables match the models?"""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = [str(diff) for diff in compare_metadata(context, Base.metadata)]
        current = context.get_current_revision()
    return SchemaCheck(current=current, head=_head(), differences=differences)


def reset(db: Database) -> None:
    """Drop every table (all data is lost) and migrate again from nothing."""
    with db.engine.begin() as connection:
        Base.metadata.drop_all(connection)
        if "alembic_version" in inspect(connection).get_table_names():
            connection.exec_driver_sql("DROP TABLE alembic_version")
    migrate(db)
