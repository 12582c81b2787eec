"""``slipstream info``, ``cheat-sheet`` and ``plugins``: about this installation and its commands."""

from __future__ import annotations

import json

import click

from slipstream.cli.environment import load_settings
from slipstream.cli.output import output_option, print_rows


@click.command()
@click.option("--anonymize", is_flag=True, help="Hide user names and home paths (for sharing in an issue).")
@output_option
def info(anonymize: bool, output: str) -> None:
    """Show this Slipstream's version and settings, the system, tools, paths and providers."""
    from slipstream.services.environment_info import environment_info

    sections = environment_info(load_settings(), anonymize=anonymize)
    if output == "json":
        click.echo(json.dumps(sections, indent=2))
        return
    if output == "yaml":
        import yaml

        click.echo(yaml.safe_dump(sections, sort_keys=False), nl=False)
        return
    for title, rows in sections.items():
        click.echo(f"\n{title}" if output == "plain" else title)
        print_rows([{"key": k, "value": v} for k, v in rows.items()], output)


def _leaves(group: click.Group, prefix: str) -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            found.extend(_leaves(command, path))
        else:
            found.append((path, command))
    return found


@click.command("cheat-sheet")
@click.pass_context
def cheat_sheet(ctx: click.Context) -> None:
    """List every command with what it does, one per line."""
    from slipstream.cli.not_yet import MISSING

    root = ctx.find_root().command
    assert isinstance(root, click.Group)
    leaves = [(path, command) for path, command in _leaves(root, "slipstream")
              if path.removeprefix("slipstream ") not in MISSING]
    width = max(len(path) for path, _ in leaves)
    for path, command in leaves:
        click.echo(f"{path.ljust(width)}  {command.get_short_help_str(limit=200)}")


@click.command()
@output_option
def plugins(output: str) -> None:
    """The Airflow plugins loaded: none, Slipstream has no plugin mechanism."""
    print_rows([], output, ["name", "source", "hooks", "macros", "flask_blueprints", "fastapi_apps"])
    if output in ("table", "plain"):
        click.echo("Slipstream loads no Airflow plugins.", err=True)
