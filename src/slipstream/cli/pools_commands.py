"""``slipstream pools set | get | list | delete | import | export``, shaped like Airflow's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from slipstream.cli.environment import load_settings, open_store
from slipstream.cli.output import output_option, print_rows

COLUMNS = ["pool", "slots", "description", "occupied", "open"]


@click.group()
def pools() -> None:
    """Pools: named slot limits that tasks share (pool=..., pool_slots=...)."""


def _db() -> Any:
    return open_store(load_settings())


def _rows(session: Any, name: str | None = None) -> list[dict[str, Any]]:
    from slipstream.store import pools as pool_store

    return [row for row in pool_store.usage(session) if name is None or row["pool"] == name]


@pools.command("set")
@click.argument("name")
@click.argument("slots", type=int)
@click.argument("description", required=False, default="")
@output_option
def set_(name: str, slots: int, description: str, output: str) -> None:
    """Create a pool or change its slots."""
    from slipstream.store import pools as pool_store

    db = _db()
    try:
        with db.write() as session:
            pool_store.set_pool(session, name, slots, description or None)
    except pool_store.PoolError as err:
        raise click.ClickException(str(err)) from None
    with db.read() as session:
        print_rows(_rows(session, name), output, COLUMNS)


@pools.command()
@click.argument("name")
@output_option
def get(name: str, output: str) -> None:
    """One pool, with its slots held and open."""
    with _db().read() as session:
        rows = _rows(session, name)
    if not rows:
        raise click.ClickException(f"Pool {name!r} does not exist (see `slipstream pools list`)")
    print_rows(rows, output, COLUMNS)


@pools.command("list")
@output_option
def list_(output: str) -> None:
    """Every pool, with its slots held (queued and running) and open."""
    with _db().read() as session:
        print_rows(_rows(session), output, COLUMNS)


@pools.command()
@click.argument("name")
def delete(name: str) -> None:
    """Delete a pool; tasks that name it wait until it exists again."""
    from slipstream.store import pools as pool_store

    try:
        with _db().write() as session:
            found = pool_store.delete_pool(session, name)
    except pool_store.PoolError as err:
        raise click.ClickException(str(err)) from None
    if not found:
        raise click.ClickException(f"Pool {name!r} does not exist")
    click.echo(f"Pool {name} deleted")


@pools.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Create or update pools from a JSON file: {"name": {"slots": 4, "description": "..."}}."""
    from slipstream.store import pools as pool_store

    try:
        data = json.loads(file.read_text())
    except json.JSONDecodeError as err:
        raise click.ClickException(f"{file} is not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "slots" in v for v in data.values()):
        raise click.ClickException(f'{file}: expected {{"name": {{"slots": N, "description": "..."}}, ...}}')
    try:
        with _db().write() as session:
            for name, spec in data.items():
                pool_store.set_pool(session, name, int(spec["slots"]), spec.get("description"))
    except (pool_store.PoolError, TypeError, ValueError) as err:
        raise click.ClickException(f"{file}: {err}") from None
    click.echo(f"{len(data)} pool(s) imported from {file}")


@pools.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export(file: Path) -> None:
    """Write every pool to a JSON file that `pools import` reads."""
    with _db().read() as session:
        rows = _rows(session)
    file.write_text(json.dumps({r["pool"]: {"slots": r["slots"], "description": r["description"]} for r in rows}, indent=2))
    click.echo(f"{len(rows)} pool(s) exported to {file}")
