"""Providers and plugins as the API lists them. Slipstream has no plugin mechanism (so no plugins
and no plugin import errors); the providers are the ``apache-airflow-providers-*`` distributions
installed beside it, which DAG files may import, read from their metadata without importing them."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

PROVIDER_PREFIX = "apache-airflow-providers-"


@dataclass(frozen=True)
class Provider:
    package_name: str
    description: str
    version: str
    documentation_url: str | None


def _documentation(distribution: metadata.Distribution) -> str | None:
    for entry in distribution.metadata.get_all("Project-URL") or []:
        label, _, url = entry.partition(",")
        if label.strip().lower() == "documentation":
            return url.strip()
    return None


def installed_providers() -> list[Provider]:
    found: dict[str, Provider] = {}
    for distribution in metadata.distributions():
        name = (distribution.metadata.get("Name") or "").lower().replace("_", "-")
        if name.startswith(PROVIDER_PREFIX) and name not in found:
            found[name] = Provider(name, distribution.metadata.get("Summary") or "", distribution.version,
                                   _documentation(distribution))
    return [found[name] for name in sorted(found)]
