"""``/api/v2/importErrors``: the DAG files that failed to load."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel

from slipstream.api.listing import Limit, Offset, PathId
from slipstream.api.routes.dags import PATTERN_HELP, PREFIX_HELP
from slipstream.api.security import READ, service_context
from slipstream.services import import_errors
from slipstream.services.dags import BUNDLE_NAME
from slipstream.services.import_errors import DagImportError
from slipstream.store.dag_listing import IMPORT_ERROR_ORDER_FIELDS

router = APIRouter(prefix="/api/v2", tags=["Import Error"])


class ImportErrorResponse(BaseModel):
    import_error_id: int
    timestamp: datetime
    filename: str
    bundle_name: str | None
    stack_trace: str


class ImportErrorCollectionResponse(BaseModel):
    import_errors: list[ImportErrorResponse]
    total_entries: int


def _response(error: DagImportError) -> ImportErrorResponse:
    return ImportErrorResponse(import_error_id=error.id, timestamp=error.timestamp, filename=error.filename,
                               bundle_name=BUNDLE_NAME, stack_trace=error.stack_trace)


@router.get("/importErrors", dependencies=[READ])
def get_import_errors(
    request: Request,
    limit: Limit = 50,
    offset: Offset = 0,
    order_by: list[str] = Query(default=["id"], description="One of " + ", ".join(IMPORT_ERROR_ORDER_FIELDS)),
    filename_pattern: str | None = Query(None, description=PATTERN_HELP),
    filename_prefix_pattern: str | None = Query(None, description=PREFIX_HELP),
    filename: str | None = None,
    bundle_name: str | None = None,
) -> ImportErrorCollectionResponse:
    """Import errors of the files the parser read last; every file is in the one bundle `dags-folder`."""
    if bundle_name not in (None, BUNDLE_NAME):
        return ImportErrorCollectionResponse(import_errors=[], total_entries=0)
    page = import_errors.list_import_errors(
        service_context(request), order_by=order_by, filename=filename, filename_pattern=filename_pattern,
        filename_prefix_pattern=filename_prefix_pattern, limit=limit, offset=offset,
    )
    return ImportErrorCollectionResponse(import_errors=[_response(e) for e in page.items],
                                         total_entries=page.total_entries)


@router.get("/importErrors/{import_error_id}", dependencies=[READ])
def get_import_error(request: Request, import_error_id: PathId) -> ImportErrorResponse:
    return _response(import_errors.get_import_error(service_context(request), import_error_id))
