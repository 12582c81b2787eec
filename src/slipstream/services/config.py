"""The configuration as users read it: every option with its value, where the value comes from
and what it does. Sensitive options (keys, passwords, database URLs: ``SENSITIVE_OPTIONS``) are
hidden unless asked for: the API always hides them as ``< hidden >`` (Airflow 3.3's marker), the
CLI as ``***`` unless ``--show-sensitive``.

These functions take the home folder, not a store: reading the configuration needs no database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipstream.config import OPTIONS, Config, ConfigError
from slipstream.config.settings import SENSITIVE_OPTIONS
from slipstream.services.context import ServiceContext
from slipstream.services.errors import InvalidRequest, NotFound

API_HIDDEN = "< hidden >"


@dataclass(frozen=True)
class Option:
    section: str
    key: str
    value: Any
    source: str
    description: str


def exposed(ctx: ServiceContext) -> bool:
    """Whether ``[api] expose_config`` lets the API show the configuration."""
    return ctx.settings.expose_config


def load(home: Path | None = None) -> Config:
    try:
        return Config.load(home)
    except ConfigError as err:
        raise InvalidRequest(f"Configuration error: {err}") from None


def shown(section: str, key: str, value: Any, *, show_sensitive: bool = False, hidden: str = "***") -> Any:
    """The value as shown: ``hidden`` for a set sensitive option (an empty one stays empty, so a
    user can see it is not set)."""
    if not show_sensitive and (section, key) in SENSITIVE_OPTIONS and value not in ("", None):
        return hidden
    return value


def options(home: Path | None = None, section: str | None = None, *, show_sensitive: bool = False,
            hidden: str = "***", defaults: bool = False) -> list[Option]:
    """Every option (or those of ``section``), in the order of ``OPTIONS``; with ``defaults``, each
    one's default value instead of the one in force."""
    if section is not None and section not in OPTIONS:
        raise NotFound(f"The section [{section}] does not exist. Sections: {', '.join(OPTIONS)}")
    loaded = load(home)

    def value(s: str, k: str) -> Any:
        if not defaults:
            return loaded.values[s][k]
        default = OPTIONS[s][k][1]
        return default.replace("{home}", str(loaded.home)) if isinstance(default, str) else default

    return [
        Option(s, k, shown(s, k, value(s, k), show_sensitive=show_sensitive, hidden=hidden),
               "default" if defaults else loaded.sources[s][k], OPTIONS[s][k][2])
        for s in OPTIONS
        for k in OPTIONS[s]
        if section in (None, s)
    ]


def option(home: Path | None, section: str, key: str, *, show_sensitive: bool = False, hidden: str = "***") -> Any:
    if section not in OPTIONS or key not in OPTIONS[section]:
        known = ", ".join(f"[{s}] {k}" for s in OPTIONS for k in OPTIONS[s])
        raise NotFound(f"The option [{section}] {key} does not exist. Options: {known}")
    return shown(section, key, load(home).get(section, key), show_sensitive=show_sensitive, hidden=hidden)


def as_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def api_sections(ctx: ServiceContext, section: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """What ``GET /api/v2/config`` shows: (section, [(key, value as text)]), sensitive ones hidden."""
    by_section: dict[str, list[tuple[str, str]]] = {}
    for found in options(ctx.settings.home, section, hidden=API_HIDDEN):
        by_section.setdefault(found.section, []).append((found.key, as_text(found.value)))
    return list(by_section.items())


def api_value(ctx: ServiceContext, section: str, key: str) -> str:
    return as_text(option(ctx.settings.home, section, key, hidden=API_HIDDEN))
