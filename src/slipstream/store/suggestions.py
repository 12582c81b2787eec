""""Did you mean ...?" for an id that does not exist: the closest known one, by difflib's ratio
or because one id contains the other (``parallel_dependencies`` in ``example_parallel_dependencies``)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from slipstream.store.models import DagRow, SerializedDagRow


def closest(name: str, known: Iterable[str]) -> str | None:
    known = list(known)
    matches = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if matches:
        return matches[0]
    containing = sorted((k for k in known if name and (name in k or k in name)), key=lambda k: abs(len(k) - len(name)))
    return containing[0] if containing else None


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """`` Did you mean 'x'?`` or nothing."""
    match = closest(name, known)
    return f" Did you mean {match!r}?" if match else ""


def dag_ids(session: Session) -> list[str]:
    """The DAGs a command can name: those whose file still defines them."""
    return list(session.scalars(select(DagRow.dag_id).where(DagRow.is_active.is_(True))))


def dag_exists(session: Session, dag_id: str) -> bool:
    """Recorded at all (a DAG whose file is gone keeps its runs, and commands may still read them)."""
    return session.get(DagRow, dag_id) is not None


def task_ids(session: Session, dag_id: str) -> list[str] | None:
    """The tasks of the DAG as last parsed; None when it was never parsed."""
    row = session.get(SerializedDagRow, dag_id)
    return None if row is None else [task["task_id"] for task in row.data.get("tasks") or ()]
