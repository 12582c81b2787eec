"""``/api/v2/providers`` and ``/api/v2/plugins``: the installed Airflow provider distributions,
and no plugins (Slipstream has no plugin mechanism)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from slipstream.api.listing import Limit, Offset
from slipstream.api.security import READ
from slipstream.services import providers

router = APIRouter(prefix="/api/v2")


class ProviderResponse(BaseModel):
    package_name: str
    description: str
    version: str
    documentation_url: str | None


class ProviderCollectionResponse(BaseModel):
    providers: list[ProviderResponse]
    total_entries: int


class PluginCollectionResponse(BaseModel):
    plugins: list[dict[str, Any]]
    total_entries: int


class PluginImportErrorCollectionResponse(BaseModel):
    import_errors: list[dict[str, Any]]
    total_entries: int


@router.get("/providers", tags=["Provider"], dependencies=[READ])
def get_providers(limit: Limit = 50, offset: Offset = 0) -> ProviderCollectionResponse:
    """The ``apache-airflow-providers-*`` distributions installed beside Slipstream."""
    found = providers.installed_providers()
    return ProviderCollectionResponse(
        providers=[ProviderResponse(package_name=p.package_name, description=p.description, version=p.version,
                                    documentation_url=p.documentation_url) for p in found[offset:offset + limit]],
        total_entries=len(found),
    )


@router.get("/plugins", tags=["Plugin"], dependencies=[READ])
def get_plugins(limit: Limit = 50, offset: Offset = 0) -> PluginCollectionResponse:
    """Always empty: Slipstream loads no Airflow plugins."""
    return PluginCollectionResponse(plugins=[], total_entries=0)


@router.get("/plugins/importErrors", tags=["Plugin"], dependencies=[READ])
def import_errors() -> PluginImportErrorCollectionResponse:
    """Always empty: Slipstream loads no Airflow plugins, so none fails to import."""
    return PluginImportErrorCollectionResponse(import_errors=[], total_entries=0)
