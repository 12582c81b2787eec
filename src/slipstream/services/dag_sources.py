"""The code of a DAG's file, read from disk by the server (read, never imported or run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from slipstream.services.context import ServiceContext
from slipstream.services.dags import get_dag
from slipstream.services.errors import NotFound, Unsupported


@dataclass(frozen=True)
class DagSource:
    dag_id: str
    dag_display_name: str
    fileloc: str
    content: str


def dag_source(ctx: ServiceContext, dag_id: str, version_number: int | None = None) -> DagSource:
    """The current content of the file that defines ``dag_id``. Slipstream keeps no DAG versions,
    so only the current code can be asked for."""
    if version_number is not None:
        raise Unsupported(f"DAG versions: Slipstream keeps only the current code of a DAG, not version "
                          f"{version_number}; ask without version_number")
    dag = get_dag(ctx, dag_id)
    path = Path(dag.fileloc)
    try:
        content = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        raise NotFound(f"The file of DAG {dag_id!r}, {dag.fileloc}, is gone (deleted or moved since it was "
                       "parsed)") from None
    except OSError as err:
        raise NotFound(f"The file of DAG {dag_id!r}, {dag.fileloc}, cannot be read: {err.strerror}") from None
    return DagSource(dag_id=dag.dag_id, dag_display_name=dag.dag_display_name, fileloc=dag.fileloc, content=content)
