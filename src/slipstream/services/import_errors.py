"""Import errors: the DAG files that failed to load, as the parser recorded them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from slipstream.services.context import ServiceContext
from slipstream.services.errors import NotFound
from slipstream.services.ordering import parse_order_by
from slipstream.services.paging import Page
from slipstream.store import dag_listing
from slipstream.store.models import ImportErrorRow


@dataclass(frozen=True)
class DagImportError:
    id: int
    filename: str
    line: int | None
    exception: str
    stacktrace: str
    timestamp: datetime

    @property
    def stack_trace(self) -> str:
        """The whole report: the traceback, or the error alone when there is none."""
        if not self.stacktrace:
            return self.exception
        return self.stacktrace if self.exception in self.stacktrace else f"{self.exception}\n{self.stacktrace}"


def _error(row: ImportErrorRow) -> DagImportError:
    return DagImportError(id=row.id, filename=row.filename, line=row.line, exception=row.exception,
                        stacktrace=row.stacktrace or "", timestamp=row.timestamp)


def list_import_errors(
    ctx: ServiceContext, *, order_by: Sequence[str] | str | None = ("filename", "id"), filename: str | None = None,
    filename_pattern: str | None = None, filename_prefix_pattern: str | None = None, limit: int | None = None,
    offset: int = 0,
) -> Page[DagImportError]:
    order = parse_order_by(order_by, dag_listing.IMPORT_ERROR_ORDER_FIELDS)
    with ctx.db.read() as session:
        rows, total = dag_listing.list_import_errors(
            session, order, filename=filename, filename_pattern=filename_pattern,
            filename_prefix_pattern=filename_prefix_pattern, limit=limit, offset=offset,
        )
        return Page([_error(row) for row in rows], total)


MAX_ID = 2**63 - 1


def get_import_error(ctx: ServiceContext, import_error_id: int) -> DagImportError:
    with ctx.db.read() as session:
        row = dag_listing.get_import_error(session, import_error_id) if 0 < import_error_id <= MAX_ID else None
        if row is None:
            raise NotFound(f"Import error {import_error_id} not found: the file may load now, or it was removed "
                           "(list them with GET /api/v2/importErrors)")
        return _error(row)
