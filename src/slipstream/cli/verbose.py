"""``-v`` / ``--verbose`` on every command, as Airflow's commands take it: Slipstream's own log
messages, debug ones included, go to stderr while the command runs."""

from __future__ import annotations

import logging
import sys

import click

HELP = ("Also print Slipstream's log messages, debug level included, on stderr (a command that logs nothing "
        "prints the same as without it).")


def _turn_on(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value:
        return
    logger = logging.getLogger("slipstream")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(levelname)s] %(name)s: %(message)s"))
    previous = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)

    def turn_off() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    ctx.call_on_close(turn_off)


class VerboseOption(click.Option):
    """The shared ``--verbose`` (docs/cli.md describes it once, for every command)."""


def _option(short: bool) -> click.Option:
    names = ["-v", "--verbose"] if short else ["--verbose"]
    return VerboseOption(names, is_flag=True, expose_value=False, callback=_turn_on, help=HELP)


def add_verbose_option(group: click.Group) -> None:
    """Give every command under ``group`` that has no ``--verbose`` of its own the option
    (without ``-v`` where that letter means something else there)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            add_verbose_option(command)
            continue
        taken = {name for param in command.params for name in param.opts + param.secondary_opts}
        if "--verbose" in taken or command.context_settings.get("ignore_unknown_options"):
            continue
        command.params.append(_option("-v" not in taken))
