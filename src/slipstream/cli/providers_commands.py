"""``slipstream providers list | get``: the ``apache-airflow-providers-*`` distributions installed
beside Slipstream, which DAG files may import."""

from __future__ import annotations

import click

from slipstream.cli.output import color_option, output_option, print_rows

COLUMNS = ["package_name", "description", "version"]


@click.group()
def providers() -> None:
    """Airflow providers installed beside Slipstream."""


@providers.command("list")
@output_option
def list_(output: str) -> None:
    """The installed provider distributions with their version."""
    from dataclasses import asdict

    from slipstream.services.providers import installed_providers

    print_rows([asdict(p) for p in installed_providers()], output, COLUMNS if output != "json" else None)


@providers.command()
@click.argument("provider_name")
@click.option("-f", "--full", is_flag=True, help="Also the documentation URL.")
@color_option
@output_option
def get(provider_name: str, full: bool, output: str, color: str = "auto") -> None:
    """One installed provider, by its distribution name (apache-airflow-providers-http)."""
    from dataclasses import asdict

    from slipstream.services.providers import installed_providers
    from slipstream.store.suggestions import did_you_mean

    every = {p.package_name: p for p in installed_providers()}
    found = every.get(provider_name.lower().replace("_", "-"))
    if found is None:
        hint = did_you_mean(provider_name, every) or f" Installed: {', '.join(every) or 'none'}."
        raise click.ClickException(f"Provider {provider_name!r} is not installed.{hint}")
    print_rows([asdict(found)], output, [*COLUMNS, "documentation_url"] if full else COLUMNS, color=color)
