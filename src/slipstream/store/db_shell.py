"""The database's own command-line client for ``db shell``: ``sqlite3`` on the SQLite file,
``psql`` on a PostgreSQL database (its password passed in ``PGPASSWORD``, not on the command line)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import make_url


class NoShell(ValueError):
    """This kind of database has no client Slipstream knows how to start."""


@dataclass(frozen=True)
class ShellCommand:
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)


def shell_command(url: str) -> ShellCommand:
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if not parsed.database or parsed.database == ":memory:":
            raise NoShell("the SQLite database is in memory: there is no file to open")
        return ShellCommand(["sqlite3", parsed.database])
    if backend == "postgresql":
        env = {
            name: str(value)
            for name, value in (("PGHOST", parsed.host), ("PGPORT", parsed.port), ("PGUSER", parsed.username),
                                ("PGPASSWORD", parsed.password), ("PGDATABASE", parsed.database))
            if value is not None
        }
        return ShellCommand(["psql"], env)
    raise NoShell(f"no shell for a {backend} database (Slipstream knows sqlite3 and psql)")
