"""``airflow.providers_manager.ProvidersManager``: the provider distributions that are installed.

Real providers ask it what is installed. Slipstream reads each distribution's own
``get_provider_info()`` (found as ``airflow/providers/.../get_provider_info.py`` on ``sys.path``);
it offers ``providers`` (package name -> that info) and nothing else, so a provider that looks
for a registry Slipstream lacks (dialects, hooks by connection type) takes its own fallback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any


class ProvidersManager:
    """The installed provider distributions, by package name (``apache-airflow-providers-http``)."""

    def __init__(self) -> None:
        self._providers: dict[str, dict[str, Any]] | None = None

    @property
    def providers(self) -> dict[str, dict[str, Any]]:
        if self._providers is None:
            self._providers = {}
            for module_name in sorted(_provider_info_modules()):
                info = importlib.import_module(module_name).get_provider_info()
                self._providers[info.get("package-name", module_name)] = info
        return self._providers

    @property
    def hook_class_names(self) -> dict[str, str]:
        """conn_type -> dotted name of the hook class the installed providers declare for it."""
        return {
            kind["connection-type"]: kind["hook-class-name"]
            for info in self.providers.values()
            for kind in info.get("connection-types", ())
        }

    def initialize_providers_list(self) -> None:
        """Accepted: the list is read on first use."""


# conn_type -> Slipstream's own hook of that type, used when no installed provider declares one.
OWN_HOOKS = {
    "sqlite": "slipstream.hooks.sqlite.SqliteHook",
    "postgres": "slipstream.hooks.postgres.PostgresHook",
    "http": "slipstream.hooks.http.HttpHook",
    "smtp": "slipstream.hooks.smtp.SmtpHook",
}


def hook_class_name(conn_type: str) -> str | None:
    """The hook class for ``conn_type``: an installed provider's, else Slipstream's own; None when
    neither has one. (A provider's class is imported through the Airflow import hook, active in tasks.)"""
    return ProvidersManager().hook_class_names.get(conn_type) or OWN_HOOKS.get(conn_type)


def _provider_info_modules() -> set[str]:
    found: set[str] = set()
    for entry in sys.path:
        top = os.path.join(entry or os.curdir, "airflow", "providers")
        for folder, _, files in os.walk(top):
            if "get_provider_info.py" in files:
                package = os.path.relpath(folder, entry or os.curdir).replace(os.sep, ".")
                found.add(f"{package}.get_provider_info")
    return found
