"""Schema migrations with Alembic: migrate to the newest revision, check, reset.

Every CLI command checks the revision first, so that check is kept cheap: when the database is
at the newest revision (nearly always) it reads ``alembic_version`` and the ``revision`` lines of
the migration files, without importing Alembic (a tenth of a second of CPU a command, more on a
busy machine). Migrating, and any other answer, go through Alembic.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import inspect

from slipstream.store.db import Database
from slipstream.store.models import Base

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_ASSIGNMENT = re.compile(r"^(revision|down_revision)\b[^=\n]*=(.*)$", re.MULTILINE)
_LITERAL = re.compile(r"""\s*(?:['"]([\w.-]+)['"]|None)\s*""")


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


def head_from_files() -> str | None:
    """The newest revision, from the ``revision = ...`` and ``down_revision = ...`` lines of the
    migration files; None when they do not read as one line of revisions (Alembic decides then)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        assigned = dict(_ASSIGNMENT.findall(path.read_text()))
        if not assigned:
            continue  # not a migration (__init__.py)
        revision, down_revision = (_LITERAL.fullmatch(assigned.get(name, "?")) for name in ("revision", "down_revision"))
        if revision is None or down_revision is None or not revision.group(1):
            return None
        revisions.add(revision.group(1))
        if down_revision.group(1):
            parents.add(down_revision.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def _stored_revisions(db: Database) -> list[str]:
    """The rows of ``alembic_version`` (none for a database never migrated), read without Alembic."""
    with db.read_connection() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        return [row[0] for row in connection.exec_driver_sql("SELECT version_num FROM alembic_version")]


def current_revision(db: Database) -> str | None:
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def check_revision(db: Database) -> str:
    """'current', 'behind' (or empty), or 'unknown' (a revision this version does not know)."""
    head = head_from_files()
    if head is not None and _stored_revisions(db) == [head]:
        return "current"
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


def revisions() -> list[str]:
    """Every revision of the schema, oldest first."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return [s.revision for s in reversed(list(ScriptDirectory.from_config(config).walk_revisions()))]


def migrate(db: Database, to_revision: str | None = None) -> tuple[str | None, str]:
    """Upgrade the schema to the newest revision (or only up to ``to_revision``; a database past it
    is left as it is); returns (revision before, revision after)."""
    from alembic import command

    before = current_revision(db)
    with db.write_connection() as connection:
        command.upgrade(_config(connection), to_revision or "head")
    return before, current_revision(db) or _head()


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


def drop_all(db: Database) -> None:
    """Drop every table (all data is lost), the revision too."""
    with db.write_connection() as connection:
        Base.metadata.drop_all(connection)
        if "alembic_version" in inspect(connection).get_table_names():
            connection.exec_driver_sql("DROP TABLE alembic_version")


def reset(db: Database) -> None:
    """Drop every table (all data is lost) and migrate again from nothing."""
    drop_all(db)
    migrate(db)
