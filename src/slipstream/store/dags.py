"""DAGs, serialized DAGs and import errors: what the parser writes and everyone reads."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, or_, select, update
from sqlalchemy.orm import Session

from slipstream.store import assets, next_runs
from slipstream.store.clock import utcnow
from slipstream.store.dag_facts import listing_facts
from slipstream.store.models import ID, DagRow, ImportErrorRow, SerializedDagRow
from slipstream.timetables.assets import schedule_summary


def sync_file(
    session: Session,
    fileloc: str,
    dags: Iterable[tuple[Mapping[str, Any], str]],
    errors: Iterable[Mapping[str, Any]],
    now: datetime,
    *,
    catchup_by_default: bool = False,
    paused_at_creation: bool = False,
) -> list[str]:
    """Record what parsing ``fileloc`` gave: its DAGs (data, hash) and its import errors.

    DAGs the file no longer defines become inactive; a DAG keeps its paused flag across parses.
    A DAG recorded for the first time starts paused as its ``is_paused_upon_creation`` says, else
    as ``paused_at_creation`` ([core] dags_are_paused_at_creation, passed by the processor).
    Each DAG's next scheduled run is computed again: its schedule, dates or catchup may have
    changed.

    A dag_id belongs to one file: the file that recorded it first keeps it while it still
    defines it (its row is active and the file exists). Another file defining it gets an import
    error naming both files, as Airflow words it, and its DAG is not recorded; once the owner is
    deleted (even outside the folders parsed now, e.g. after the dags folder moved) or stops
    defining the dag_id, the other file takes it on its next parse. Returns the dag_ids this
    file was refused.
    """
    seen: set[str] = set()
    refused: list[str] = []
    errors = list(errors)
    for data, digest in dags:
        dag_id = data["dag_id"]
        row = session.get(DagRow, dag_id)
        if row is not None and row.is_active and row.fileloc != fileloc and os.path.isfile(row.fileloc):
            refused.append(dag_id)
            errors.append(duplicate_dag_id_error(dag_id, fileloc, row.fileloc))
            continue
        seen.add(dag_id)
        if row is None:
            upon_creation = data.get("is_paused_upon_creation")
            paused = paused_at_creation if upon_creation is None else bool(upon_creation)
            row = DagRow(dag_id=dag_id, is_paused=paused)
            session.add(row)
        row.fileloc = fileloc
        row.is_active = True
        row.description = data.get("description")
        row.dag_display_name = data.get("dag_display_name")
        row.owners = ", ".join(data.get("owners") or [])
        row.tags = list(data.get("tags") or [])
        row.schedule = _schedule_text(data)
        row.max_active_runs = data.get("max_active_runs")
        row.max_active_tasks = data.get("max_active_tasks")
        row.last_parsed_time = now
        for name, value in listing_facts(data).items():
            setattr(row, name, value)
        serialized = session.get(SerializedDagRow, dag_id)
        if serialized is None:
            session.add(SerializedDagRow(dag_id=dag_id, fileloc=fileloc, data=dict(data), dag_hash=digest, last_updated=now))
        elif serialized.dag_hash != digest or serialized.fileloc != fileloc:
            serialized.data, serialized.dag_hash = dict(data), digest
            serialized.fileloc, serialized.last_updated = fileloc, now
        session.flush()
        next_runs.refresh_next(session, dag_id, data, now, catchup_by_default)
        assets.sync_dag(session, dag_id, data, now)
    stale = select(DagRow.dag_id).where(DagRow.fileloc == fileloc, DagRow.is_active.is_(True))
    gone = [dag_id for dag_id in session.scalars(stale) if dag_id not in seen]
    if gone:
        session.execute(update(DagRow).where(DagRow.dag_id.in_(gone)).values(is_active=False))
    session.execute(delete(ImportErrorRow).where(ImportErrorRow.filename == fileloc))
    for error in errors:
        session.add(
            ImportErrorRow(
                filename=fileloc,
                line=error.get("line"),
                exception=error["exception"],
                stacktrace=error.get("stacktrace") or "",
                timestamp=now,
            )
        )
    return refused


def duplicate_dag_id_error(dag_id: str, incoming: str, existing: str) -> dict[str, Any]:
    """The import error of a file defining a dag_id another file already defines (Airflow's words)."""
    exception = f"AirflowDagDuplicatedIdException: Ignoring DAG {dag_id} from {incoming} - also found in {existing}"
    detail = (
        f"{exception}\n\nThe dag_id {dag_id!r} is defined in {existing}, which was loaded first and keeps it; "
        f"the DAG of the same id in {incoming} is not loaded. Give one of the two DAGs another dag_id, "
        "or delete the copy you do not want.\n"
    )
    return {"filename": incoming, "line": None, "exception": exception, "stacktrace": detail}


def unowned(session: Session, dag_ids: Iterable[str]) -> set[str]:
    """Those of ``dag_ids`` that no file defines now (no row, or an inactive one): free to take."""
    wanted = set(dag_ids)
    owned = session.scalars(select(DagRow.dag_id).where(DagRow.dag_id.in_(wanted), DagRow.is_active.is_(True)))
    return wanted - set(owned)


def _schedule_text(data: Mapping[str, Any]) -> str | None:
    """The schedule as ``dags list`` shows it, cut to the column's width (a condition over long
    asset URIs can be longer)."""
    if data.get("schedule") is None and data.get("asset_condition") is None:
        return None
    text = schedule_summary(data)
    return text if len(text) <= ID else text[: ID - 1] + "…"


def forget_missing_files(session: Session, existing: set[str], folders: Iterable[str] | None) -> list[str]:
    """Deactivate DAGs and drop import errors of files under ``folders`` that are gone; with
    ``folders`` None, of every file not in ``existing`` (the DAG folders are the whole truth: a
    file recorded from another folder, e.g. by a command's ``-S``, is forgotten too)."""
    prefixes = tuple(f.rstrip("/") + "/" for f in folders) if folders is not None else ("",)
    gone: set[str] = set()
    for fileloc in session.scalars(select(DagRow.fileloc).where(DagRow.is_active.is_(True)).distinct()):
        if fileloc.startswith(prefixes) and fileloc not in existing:
            gone.add(fileloc)
    for fileloc in session.scalars(select(ImportErrorRow.filename).distinct()):
        if fileloc.startswith(prefixes) and fileloc not in existing:
            gone.add(fileloc)
    if gone:
        session.execute(update(DagRow).where(DagRow.fileloc.in_(gone)).values(is_active=False))
        session.execute(delete(ImportErrorRow).where(ImportErrorRow.filename.in_(gone)))
    return sorted(gone)


def list_dags(session: Session, include_inactive: bool = False) -> list[DagRow]:
    query = select(DagRow).order_by(DagRow.dag_id)
    if not include_inactive:
        query = query.where(DagRow.is_active.is_(True))
    return list(session.scalars(query))


def get_dag(session: Session, dag_id: str) -> DagRow | None:
    return session.get(DagRow, dag_id)


def get_serialized(session: Session, dag_id: str) -> SerializedDagRow | None:
    return session.get(SerializedDagRow, dag_id)


_HASHES = select(SerializedDagRow.dag_id, SerializedDagRow.dag_hash).where(
    SerializedDagRow.dag_id.in_(bindparam("b_ids", expanding=True))
)


def serialized_hashes(session: Session, dag_ids: Iterable[str]) -> dict[str, str]:
    return dict(session.execute(_HASHES, {"b_ids": list(dag_ids)}).tuples().all())


def set_paused(
    session: Session, dag_id: str, paused: bool, *, now: datetime | None = None, catchup_by_default: bool = False
) -> bool:
    """Pause or unpause; False when there is no such DAG.

    Unpausing computes the next scheduled run again (from ``now``, default the current time):
    with catchup, the runs missed while paused are next; without, only the latest interval.
    """
    result = session.execute(update(DagRow).where(DagRow.dag_id == dag_id).values(is_paused=paused))
    if result.rowcount != 1:
        return False
    serialized = session.get(SerializedDagRow, dag_id)
    if not paused and serialized is not None:
        next_runs.refresh_next(session, dag_id, serialized.data, now or utcnow(), catchup_by_default)
    return True


def list_import_errors(session: Session) -> list[ImportErrorRow]:
    return list(session.scalars(select(ImportErrorRow).order_by(ImportErrorRow.filename, ImportErrorRow.id)))


def files_with_error(session: Session, prefix: str) -> set[str]:
    """The files whose recorded import error starts with ``prefix`` (e.g. the parse timed out)."""
    query = select(ImportErrorRow.filename).where(ImportErrorRow.exception.startswith(prefix, autoescape=True))
    return set(session.scalars(query.distinct()))


def has_files_under(session: Session, folders: Iterable[str]) -> bool:
    """Whether any DAG (active or not) or import error was recorded for a file under ``folders``."""
    for folder in folders:
        prefix = folder.rstrip("/") + "/"
        for column in (DagRow.fileloc, ImportErrorRow.filename):
            under = or_(column == folder, column.startswith(prefix, autoescape=True))
            found = session.execute(select(column).where(under).limit(1))
            if found.first() is not None:
                return True
    return False


def set_paused_many(
    session: Session, dag_ids: Iterable[str], paused: bool, *, now: datetime, catchup_by_default: bool = False
) -> None:
    """``set_paused`` for many DAGs: one update, then the next run of each DAG that was paused and
    is not any more planned again."""
    ids = list(dag_ids)
    if not ids:
        return
    resumed = [] if paused else list(session.scalars(
        select(DagRow.dag_id).where(DagRow.dag_id.in_(ids), DagRow.is_paused.is_(True))
    ))
    flag = update(DagRow).where(DagRow.dag_id.in_(ids)).values(is_paused=paused)
    session.execute(flag.execution_options(synchronize_session=False))
    if resumed:
        query = select(SerializedDagRow.dag_id, SerializedDagRow.data).where(SerializedDagRow.dag_id.in_(resumed))
        for dag_id, data in session.execute(query).all():
            next_runs.refresh_next(session, dag_id, data, now, catchup_by_default)
