"""Manual DAG runs from serialized DAGs: check the params against the conf, create the run and its
task instances, clear an existing run again.

Both the CLI (``dags trigger``, through ``scheduler/triggering.py``) and a running task
(``TriggerDagRunOperator``, through its TryStore) create runs here, so a conf is checked the same
way and fails with the same message whichever way a run is asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slipstream.config import Config
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.sdk.ids import validate_run_id
from slipstream.store import clearing, dag_runs, dags, suggestions, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.db import Database
from slipstream.store.models import DagRunRow
from slipstream.store.states import DagRunType
from slipstream.timetables import make_timetable


class DagNotFound(LookupError):
    """No DAG with this id has been loaded."""


def load_serialized(db: Database, dag_id: str) -> SerializedDag:
    with db.read() as session:
        row = dags.get_serialized(session, dag_id)
        active = dags.get_dag(session, dag_id)
        missing = row is None or active is None or not active.is_active
        hint = suggestions.did_you_mean(dag_id, suggestions.dag_ids(session)) if missing else ""
    if missing:
        raise DagNotFound(
            f"DAG {dag_id!r} not found.{hint} (A file that failed to load: `slipstream dags list-import-errors`.)"
            if hint else
            f"DAG {dag_id!r} not found: no DAG file in the dags folder defines it, or its file failed to load "
            "(see `slipstream dags list-import-errors`)"
        )
    return SerializedDag(row.data, row.dag_hash)


def checked_run_id(run_id: str, run_type: str = DagRunType.MANUAL) -> str:
    """``run_id`` once it passes Airflow's rule for a run_id a user gives, with the configured
    ``[scheduler] allowed_run_id_pattern`` and ``[core] allow_double_dot_in_ids`` (ValueError
    otherwise, saying what is allowed)."""
    config = Config.load()
    return validate_run_id(
        run_id, pattern=config.get("scheduler", "allowed_run_id_pattern"),
        allow_double_dot=config.get("core", "allow_double_dot_in_ids"), run_type=str(run_type),
    )


def _manual_run_id(run_id: str | None, logical_date: datetime) -> str:
    """The run_id a user gave, checked; else ``manual__<logical date>``, which (as in Airflow) the
    configured pattern does not apply to."""
    return checked_run_id(run_id) if run_id else f"manual__{logical_date.isoformat()}"


def task_specs(
    dag: SerializedDag, logical_date: datetime | None = None, *, backfill: bool = False
) -> list[dag_runs.TaskSpec]:
    """The task instances a new run gets: one per task, except (as in Airflow, backfills aside)
    tasks whose start_date is after the run's logical date or whose end_date is before it."""
    return [
        dag_runs.TaskSpec(
            task_id=t.task_id, operator=t.operator, max_tries=t.retries, pool=t.pool, pool_slots=t.pool_slots,
            queue=t.queue, priority_weight=t.data.get("priority_weight_total", t.priority_weight),
        )
        for t in dag.tasks.values()
        if backfill or logical_date is None or _dated_for(dag, t.data, logical_date)
    ]


def _dated_for(dag: SerializedDag, task: Mapping[str, Any], logical_date: datetime) -> bool:
    """Whether ``logical_date`` is within the task's dates: the later of its start_date and the
    DAG's, the earlier of their end_dates."""
    starts = [datetime.fromisoformat(d) for d in (task.get("start_date"), dag.data.get("start_date")) if d]
    ends = [datetime.fromisoformat(d) for d in (task.get("end_date"), dag.data.get("end_date")) if d]
    return not (starts and logical_date < max(starts)) and not (ends and logical_date > min(ends))


def check_conf(dag: SerializedDag, conf: Any) -> dict[str, Any]:
    """``conf`` as a dict, once the DAG's params accept it (``ParamValidationError`` otherwise)."""
    if conf is not None and not isinstance(conf, Mapping):
        raise ValueError(f"conf must be a JSON object, got {type(conf).__name__}")
    dag.params.resolve(dict(conf or {}))
    return dict(conf or {})


def manual_data_interval(dag: SerializedDag, logical_date: datetime) -> tuple[datetime, datetime]:
    """The data interval Airflow gives a run triggered at ``logical_date``: the one its timetable
    infers (for a daily cron schedule, the last complete day before it)."""
    timetable = make_timetable(dag.data.get("schedule"), dag.data.get("timezone") or "UTC")
    start, end = timetable.infer_manual_data_interval(run_after=logical_date)
    return start, end


def trigger_dag(
    db: Database,
    dag_id: str,
    *,
    run_id: str | None = None,
    conf: Mapping[str, Any] | None = None,
    logical_date: datetime | None = None,
    now: datetime | None = None,
    partition_key: str | None = None,
    data_interval: tuple[datetime, datetime] | None = None,
    note: str | None = None,
) -> DagRunRow:
    """Queue a manual run (for the partition ``partition_key``, if given: the key of the asset
    events its tasks record). Params are checked against ``conf`` first: a bad value creates nothing.
    Without ``data_interval`` the run gets the one its timetable infers for ``logical_date``."""
    now = now or utcnow()
    dag = load_serialized(db, dag_id)
    checked = check_conf(dag, conf)
    logical_date = logical_date or now
    run_id = _manual_run_id(run_id, logical_date)
    with db.write() as session:
        return dag_runs.create(
            session,
            dag_id=dag_id,
            run_id=run_id,
            run_type=DagRunType.MANUAL,
            tasks=task_specs(dag, logical_date),
            now=now,
            logical_date=logical_date,
            data_interval=data_interval or manual_data_interval(dag, logical_date),
            conf=checked,
            note=note,
            dag_hash=dag.dag_hash,
            deadline_alerts=dag.deadline_alerts,
            partition_key=partition_key,
        )


def clear_run(db: Database, dag_id: str, run_id: str) -> int:
    """Clear every task instance of an existing run so that it runs again; returns how many."""
    dag = load_serialized(db, dag_id)
    retries = {t.task_id: t.retries for t in dag.tasks.values()}
    with db.write() as session:
        return clearing.clear(session, task_instances.for_run(session, dag_id, run_id), retries)


@dataclass(frozen=True)
class Triggered:
    """What a trigger from a task did: ``outcome`` is created, exists (nothing done) or cleared."""

    run_id: str
    logical_date: datetime | None
    outcome: str
    is_paused: bool

    def as_dict(self) -> dict[str, Any]:
        return {"run_id": self.run_id, "logical_date": self.logical_date, "outcome": self.outcome,
                "is_paused": self.is_paused}


def trigger_or_clear(
    db: Database,
    dag_id: str,
    *,
    run_id: str | None,
    conf: Mapping[str, Any] | None,
    logical_date: datetime | None,
    reset_dag_run: bool,
    fail_when_dag_is_paused: bool = False,
) -> Triggered:
    """A run as ``TriggerDagRunOperator`` asks for it: created, or when ``run_id`` exists already,
    cleared (``reset_dag_run``) or left alone. Raises DagNotFound, ParamValidationError, ValueError
    (also for a paused DAG with ``fail_when_dag_is_paused``)."""
    now = utcnow()
    logical_date = logical_date or now
    given, run_id = run_id, _manual_run_id(run_id, logical_date)
    with db.read() as session:
        existing = dag_runs.get(session, dag_id, run_id)
        row = dags.get_dag(session, dag_id)
    is_paused = bool(row is not None and row.is_paused)
    if is_paused and fail_when_dag_is_paused:
        raise ValueError(f"DAG {dag_id!r} is paused, and fail_when_dag_is_paused is set: no run was created")
    if existing is None:
        try:
            created = trigger_dag(db, dag_id, run_id=given, conf=conf, logical_date=logical_date, now=now)
            return Triggered(created.run_id, created.logical_date, "created", is_paused)
        except dag_runs.DagRunExists:
            with db.read() as session:
                existing = dag_runs.get(session, dag_id, run_id)
            assert existing is not None
    if reset_dag_run:
        clear_run(db, dag_id, run_id)
        return Triggered(run_id, existing.logical_date, "cleared", is_paused)
    return Triggered(run_id, existing.logical_date, "exists", is_paused)


def run_state(db: Database, dag_id: str, run_id: str) -> str | None:
    """The run's state, or None when there is no such run."""
    with db.read() as session:
        run = dag_runs.get(session, dag_id, run_id)
    return None if run is None else run.state
