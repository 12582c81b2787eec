"""Row locks that let several schedulers share one PostgreSQL store.

- ``lock_dags`` / ``lock_runs``: ``SELECT ... FOR UPDATE SKIP LOCKED``. A scheduler works on the
  DAGs (creating their runs) and the runs (applying its plan) it could lock; those another
  scheduler holds are left to it for this pass. Held until the transaction ends.
- ``hold_dag_files``: a DAG file's parse is recorded by one scheduler's processor at a time, so
  two that parse a new file at once do not both insert its DAGs.
- ``hold_slots``: every transaction that hands out slots (queues task instances, starts runs)
  takes one transaction-level advisory lock first, and reads the counts after it. Under READ
  COMMITTED each statement sees what committed before it began, so the counts include every
  earlier holder's dispatch, and nobody dispatches until this holder commits: parallelism,
  pools, ``max_active_tasks`` and ``max_active_runs`` hold across schedulers exactly as within
  one. (It is the pool and DAG-run rows' lock in one: each dispatch counts every pool and the
  installation-wide ``parallelism``, so any two dispatches would lock a common row anyway.)

SQLite has one writer at a time: every function is a no-op there (``lock_*`` return all ids).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import select, text

from slipstream.store.models import DagRow, DagRunRow

DAGS = DagRow.__table__
RUNS = DagRunRow.__table__
SLOTS_LOCK = 7_350_171_031  # pg_advisory_xact_lock keys: slot accounting, and recording parsed DAG files
DAG_FILES_LOCK = 7_350_171_032


def _is_postgres(session: Any) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def lock_dags(session: Any, dag_ids: Collection[str]) -> set[str]:
    """The DAGs of ``dag_ids`` this transaction now holds (no other scheduler does)."""
    if not dag_ids or not _is_postgres(session):
        return set(dag_ids)
    statement = (
        select(DAGS.c.dag_id).where(DAGS.c.dag_id.in_(sorted(dag_ids))).order_by(DAGS.c.dag_id)
        .with_for_update(skip_locked=True)
    )
    return set(session.execute(statement).scalars())


def lock_runs(session: Any, run_ids: Collection[int]) -> set[int]:
    """The DAG runs (by id) of ``run_ids`` this transaction now holds."""
    if not run_ids or not _is_postgres(session):
        return set(run_ids)
    statement = (
        select(RUNS.c.id).where(RUNS.c.id.in_(sorted(run_ids))).order_by(RUNS.c.id).with_for_update(skip_locked=True)
    )
    return set(session.execute(statement).scalars())


def hold_slots(session: Any) -> None:
    """Wait for, then hold until the transaction ends, the right to hand out slots."""
    if _is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SLOTS_LOCK})


def hold_dag_files(session: Any) -> None:
    """Hold, until the transaction ends, the right to record parsed DAG files."""
    if _is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": DAG_FILES_LOCK})
