"""Real Airflow provider distributions, loaded on top of Slipstream's Airflow surface.

A provider installed without Airflow (``pip install --no-deps apache-airflow-providers-http``)
puts its modules under ``airflow/providers/...`` on ``sys.path``; every distribution has a
``get_provider_info.py`` at its package's root, which is how one is recognised. Its modules are
ordinary files and are loaded as they are; the ``airflow.*`` names they import
(``airflow.providers.common.compat.sdk``, ``airflow.sdk``, ``airflow.exceptions``...) still go
through the import hook, so they get Slipstream's objects.

Which wins where both exist:
- a provider whose distribution is installed is loaded whole from it, Slipstream's own modules of
  that name (``airflow.providers.http.hooks.http``, ``...sqlite.hooks.sqlite``) step aside, so the
  provider's modules always see each other;
- ``airflow.providers.standard`` and ``airflow.providers.common.compat`` are Slipstream's
  surface: where Slipstream has a module of that name it is used, the installed distribution only
  serves the names Slipstream does not have.
"""

from __future__ import annotations

import functools
import importlib.machinery
import os
import sys

SURFACE_PACKAGES = ("airflow.providers.standard", "airflow.providers.common.compat")


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def is_surface(name: str) -> bool:
    """True for the provider packages whose Slipstream modules win over an installed distribution."""
    return any(_within(name, package) for package in SURFACE_PACKAGES)


@functools.lru_cache(maxsize=512)
def _provider_root(name: str, search: tuple[str, ...]) -> str | None:
    parts = name.split(".")
    for end in range(3, len(parts) + 1):
        relative = os.path.join(*parts[:end], "get_provider_info.py")
        if any(os.path.isfile(os.path.join(entry or os.curdir, relative)) for entry in search):
            return ".".join(parts[:end])
    return None


def provider_root(name: str) -> str | None:
    """The package of the installed provider distribution that holds ``name``, or None."""
    if not name.startswith("airflow.providers."):
        return None
    return _provider_root(name, tuple(sys.path))


def package_folders(package: str) -> list[str]:
    """The folders of ``package`` (``airflow.providers.http``) in the entries of ``sys.path``."""
    relative = os.path.join(*package.split("."))
    folders = (os.path.join(entry or os.curdir, relative) for entry in sys.path)
    return [folder for folder in folders if os.path.isdir(folder)]


def real_spec(name: str) -> importlib.machinery.ModuleSpec | None:
    """The spec of the module ``name`` in an installed provider distribution, or None."""
    parent = name.rpartition(".")[0]
    return importlib.machinery.PathFinder.find_spec(name, package_folders(parent))


def installed_location(name: str) -> str:
    """Where the provider holding ``name`` is installed, for messages."""
    root = provider_root(name)
    folders = package_folders(root) if root else []
    return folders[0] if folders else "?"
