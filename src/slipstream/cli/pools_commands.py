"""``slipstream pools set | get | list | delete | import | export``, shaped like Airflow's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from slipstream.cli.environment import service_call, service_context
from slipstream.cli.output import output_option, print_rows

COLUMNS = ["pool", "slots", "description", "include_deferred", "occupied", "open"]


@click.group()
def pools() -> None:
    """Pools: named slot limits that tasks share (pool=..., pool_slots=...)."""


def _row(pool: Any) -> dict[str, Any]:
    return {"pool": pool.name, "slots": pool.slots, "description": pool.description,
            "include_deferred": pool.include_deferred, "occupied": pool.occupied, "open": pool.open}


@pools.command("set")
@click.argument("pool")
@click.argument("slots", type=int)
@click.argument("description", required=False, default="")
@click.option("--include-deferred", is_flag=True, help="Deferred tasks hold slots of the pool too.")
@output_option
def set_(pool: str, slots: int, description: str, output: str, include_deferred: bool = False) -> None:
    """Create a pool or change its slots."""
    from slipstream.services import pools as pool_service

    ctx = service_context()
    service_call(pool_service.set_pool, ctx, pool, slots, description or None)
    changed = service_call(pool_service.update_pool, ctx, pool, {"include_deferred": include_deferred},
                           update_mask=["include_deferred"])
    print_rows([_row(changed)], output, COLUMNS)


@pools.command()
@click.argument("pool")
@output_option
def get(pool: str, output: str) -> None:
    """One pool, with its slots held and open."""
    from slipstream.services import pools as pool_service

    print_rows([_row(service_call(pool_service.get_pool, service_context(), pool))], output, COLUMNS)


def _all() -> list[Any]:
    from slipstream.services import pools as pool_service

    return pool_service.list_pools(service_context(), order_by=["pool"]).items


@pools.command("list")
@output_option
def list_(output: str) -> None:
    """Every pool, with its slots held (queued and running) and open."""
    print_rows([_row(p) for p in _all()], output, COLUMNS)


@pools.command()
@click.argument("pool")
@output_option
def delete(pool: str, output: str) -> None:
    """Delete a pool (printed as it was); tasks that name it wait until it exists again."""
    from slipstream.services import pools as pool_service

    ctx = service_context()
    found = service_call(pool_service.get_pool, ctx, pool)
    service_call(pool_service.delete_pool, ctx, pool)
    print_rows([_row(found)], output, COLUMNS)


@pools.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_(file: Path) -> None:
    """Create or update pools from a JSON file: {"name": {"slots": 4, "description": "..."}}."""
    from slipstream.services import pools as pool_service
    from slipstream.services.errors import ServiceError

    try:
        data = json.loads(file.read_text())
    except json.JSONDecodeError as err:
        raise click.ClickException(f"{file} is not valid JSON ({err.msg} at line {err.lineno})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) and "slots" in v for v in data.values()):
        raise click.ClickException(f'{file}: expected {{"name": {{"slots": N, "description": "..."}}, ...}}')
    try:
        count = pool_service.import_pools(service_context(), data)
    except ServiceError as err:
        raise click.ClickException(f"{file}: {err}") from None
    click.echo(f"{count} pool(s) imported from {file}")


@pools.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
def export(file: Path) -> None:
    """Write every pool to a JSON file that `pools import` reads."""
    found = _all()
    file.write_text(json.dumps({p.name: {"slots": p.slots, "description": p.description} for p in found}, indent=2))
    click.echo(f"{len(found)} pool(s) exported to {file}")
