"""The context of a running task: dates, params, the run, and the task instance with XCom access."""

from __future__ import annotations

import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from slipstream.runner.expansion_items import stored_items
from slipstream.runner.try_store import TryStore
from slipstream.runner.xcom_sequence import LazyXComSequence
from slipstream.sdk import macros
from slipstream.sdk.connection import ConnectionAccessor
from slipstream.sdk.exceptions import AirflowException, ParamValidationError
from slipstream.sdk.timezone import coerce_datetime
from slipstream.sdk.variable import VariableAccessor
from slipstream.store.clock import utcnow
from slipstream.store.values import encode


class _NotRead:
    def __repr__(self) -> str:
        return "NOT_READ"


NOT_READ = _NotRead()


@dataclass
class DagRunInfo:
    """What a task may read of its DAG run (``context["dag_run"]``)."""

    id: int
    dag_id: str
    run_id: str
    run_type: str
    logical_date: datetime | None
    data_interval_start: datetime | None
    data_interval_end: datetime | None
    conf: dict[str, Any] = field(default_factory=dict)
    start_date: datetime | None = None
    # The previous successful run's data interval and dates (prev_*_success), read with the
    # claim; NOT_READ when whoever built this did not read it (then the store is asked).
    previous_success: dict[str, Any] | None | _NotRead = NOT_READ

    def __post_init__(self) -> None:
        # pendulum DateTimes, as Airflow gives them: ``dag_run.logical_date.add(days=1)``.
        self.logical_date = coerce_datetime(self.logical_date)
        self.data_interval_start = coerce_datetime(self.data_interval_start)
        self.data_interval_end = coerce_datetime(self.data_interval_end)
        self.start_date = coerce_datetime(self.start_date)

    @property
    def execution_date(self) -> datetime | None:
        return self.logical_date


class RuntimeTaskInstance:
    """``context["ti"]``: who this try is, and XCom push/pull against the store."""

    def __init__(
        self, *, store: TryStore | None, dag_run: DagRunInfo, task: Any, map_index: int, try_number: int, max_tries: int
    ) -> None:
        self._store = store
        self._dag_run = dag_run
        self.task = task
        self.dag_id = dag_run.dag_id
        self.run_id = dag_run.run_id
        self.task_id = task.task_id
        self.map_index = map_index
        self.try_number = try_number
        self.max_tries = max_tries
        self.hostname = socket.gethostname()
        self._started = utcnow()
        self.local_xcoms: dict[tuple[str, str], Any] = {}
        self.skipped_task_ids: set[str] = set()

    def __repr__(self) -> str:
        return f"<TaskInstance: {self.dag_id}.{self.task_id} {self.run_id} [running]>"

    @property
    def start_date(self) -> datetime:
        """When this try started (a pendulum DateTime)."""
        return coerce_datetime(self._started)

    @property
    def execution_date(self) -> datetime | None:
        return self._dag_run.logical_date

    @property
    def logical_date(self) -> datetime | None:
        return self._dag_run.logical_date

    def skip(self, task_ids: Iterable[str]) -> None:
        """Mark these tasks of this run to be skipped when this try succeeds (branching)."""
        self.skipped_task_ids.update(task_ids)

    def reschedules(self, first_try_number: int) -> tuple[datetime | None, int]:
        """For a sensor in reschedule mode: when the first rescheduled poke of the tries since
        ``first_try_number`` started, and how often this try was rescheduled; (None, 0) without a store."""
        if self._store is None:
            return None, 0
        key = (self.dag_id, self.run_id, self.task_id, self.map_index)
        found = self._store.reschedules(key=key, first_try_number=first_try_number, try_number=self.try_number)
        return found.first_start, found.count

    def external_runs(self, dag_id: str, logical_dates: Iterable[datetime]) -> dict[str, Any]:
        """Another DAG's runs at these logical dates, with their task instances' states
        (``ExternalTaskSensor``): ``{"dag_exists", "task_ids", "runs"}``."""
        if self._store is None:
            raise RuntimeError(f"Reading the runs of DAG {dag_id!r} needs the store; this try runs without one")
        return self._store.external_runs(dag_id=dag_id, logical_dates=tuple(logical_dates))

    def trigger_dag_run(
        self, dag_id: str, *, run_id: str | None, conf: dict[str, Any] | None, logical_date: datetime | None,
        reset_dag_run: bool, fail_when_dag_is_paused: bool = False,
    ) -> dict[str, Any]:
        """TriggerDagRunOperator: create (or clear) a run of ``dag_id``; its params are checked against
        ``conf`` as ``dags trigger`` checks them. ``{"run_id", "logical_date", "outcome", "is_paused"}``."""
        if self._store is None:
            raise RuntimeError(f"Triggering DAG {dag_id!r} needs the store; this try runs without one (tasks test)")
        result = self._store.trigger_dag_run(
            dag_id=dag_id, run_id=run_id, conf=conf, logical_date=logical_date, reset_dag_run=reset_dag_run,
            fail_when_dag_is_paused=fail_when_dag_is_paused,
        )
        if result["error"] is not None:
            refused = ParamValidationError if result["error_type"] == "ParamValidationError" else AirflowException
            raise refused(result["error"])
        return result

    def dag_run_state(self, dag_id: str, run_id: str) -> str | None:
        """The state of a run of any DAG (None when there is no such run)."""
        if self._store is None:
            raise RuntimeError(f"Reading the run {run_id!r} of DAG {dag_id!r} needs the store; this try runs without one")
        return self._store.dag_run_state(dag_id=dag_id, run_id=run_id)

    def xcom_push(self, key: str, value: Any) -> None:
        encode(value)
        if self._store is None:
            self.local_xcoms[(self.task_id, key)] = value
            return
        self._store.xcom_push(
            dag_run_id=self._dag_run.id, key=(self.dag_id, self.run_id, self.task_id, self.map_index), name=key,
            value=value,
        )

    def xcom_pull(
        self,
        task_ids: str | Iterable[str] | None = None,
        dag_id: str | None = None,
        key: str = "return_value",
        include_prior_dates: bool = False,
        map_indexes: int | None = None,
        default: Any = None,
    ) -> Any:
        """One value for one task id; a list of values for a list of task ids."""
        ids = [self.task_id] if task_ids is None else task_ids
        single = isinstance(ids, str)
        values = [self._pull_one(t, dag_id or self.dag_id, key, map_indexes) for t in ([ids] if single else ids)]
        values = [default if v is None else v for v in values]
        return values[0] if single else values

    def _pull_one(self, task_id: str, dag_id: str, key: str, map_index: int | None) -> Any:
        if (task_id, key) in self.local_xcoms:
            return self.local_xcoms[(task_id, key)]
        if self._store is None:
            return None
        upstream = self._same_dag_task(task_id) if dag_id == self.dag_id else None
        if map_index is None and upstream is not None and upstream.is_mapped:
            group = upstream.mapped_group
            if group is not None and group == getattr(self.task, "mapped_group", None) and self.map_index >= 0:
                map_index = self.map_index  # inside a mapped task group: the value of this instance
            else:
                return LazyXComSequence(self._store, dag_id=dag_id, run_id=self.run_id, task_id=task_id, key=key)
        return self._store.xcom_pull(dag_id=dag_id, run_id=self.run_id, task_id=task_id, name=key, map_index=map_index)

    def expansion_items(self, task_id: str, key: str) -> Sequence[Any] | None:
        """An unmapped upstream's value as this mapped instance's input, read item by item from
        the store; None where it is pulled whole instead (no store, or a mapped upstream)."""
        if self._store is None or (task_id, key) in self.local_xcoms:
            return None
        upstream = self._same_dag_task(task_id)
        if upstream is None or upstream.is_mapped:
            return None
        return stored_items(
            self._store, dag_id=self.dag_id, run_id=self.run_id, task_id=task_id, key=key, first=self.map_index
        )

    def _same_dag_task(self, task_id: str) -> Any:
        dag = getattr(self.task, "dag", None)
        return dag.get_task(task_id) if dag is not None and dag.has_task(task_id) else None


def build_context(
    *, dag: Any, task: Any, dag_run: DagRunInfo, ti: RuntimeTaskInstance, params: Mapping[str, Any]
) -> dict[str, Any]:
    """The keys Airflow gives a task (ds, ts, logical_date, params, ti, dag_run, ...)."""
    logical: datetime = dag_run.logical_date or dag_run.start_date or coerce_datetime(utcnow())
    # Date strings from a plain date: pendulum's own arithmetic costs tens of microseconds a step.
    day_of = date(logical.year, logical.month, logical.day)
    yesterday, tomorrow = (day_of - timedelta(days=1)).isoformat(), (day_of + timedelta(days=1)).isoformat()
    ds = day_of.isoformat()
    ts = logical.isoformat()
    previous = dag_run.previous_success
    if previous is NOT_READ:
        previous = _previous_success(ti._store, dag_run)
    previous = {key: coerce_datetime(value) for key, value in (previous or {}).items()}
    context: dict[str, Any] = {
        "dag": dag,
        "task": task,
        "ti": ti,
        "task_instance": ti,
        "dag_run": dag_run,
        "run_id": dag_run.run_id,
        "logical_date": logical,
        "execution_date": logical,
        "data_interval_start": dag_run.data_interval_start or logical,
        "data_interval_end": dag_run.data_interval_end or logical,
        "ds": ds,
        "ds_nodash": ds.replace("-", ""),
        "ts": ts,
        "ts_nodash": logical.strftime("%Y%m%dT%H%M%S"),
        "ts_nodash_with_tz": ts.replace("-", "").replace(":", ""),
        "yesterday_ds": yesterday,
        "tomorrow_ds": tomorrow,
        "yesterday_ds_nodash": yesterday.replace("-", ""),
        "tomorrow_ds_nodash": tomorrow.replace("-", ""),
        "prev_data_interval_start_success": previous.get("data_interval_start"),
        "prev_data_interval_end_success": previous.get("data_interval_end"),
        "prev_start_date_success": previous.get("start_date"),
        "prev_end_date_success": previous.get("end_date"),
        "task_instance_key_str": f"{dag_run.dag_id}__{task.task_id}__{ds.replace('-', '')}",
        "macros": macros,
        "params": dict(params),
        "conf": dag_run.conf,
        "try_number": ti.try_number,
        "map_index": ti.map_index,
        "test_mode": ti._store is None,
        "inlets": [],
        "outlets": [],
        "var": {"value": VariableAccessor(deserialize_json=False), "json": VariableAccessor(deserialize_json=True)},
        "conn": ConnectionAccessor(),
    }
    return context


def _previous_success(store: TryStore | None, dag_run: DagRunInfo) -> dict[str, Any] | None:
    if store is None or dag_run.logical_date is None:
        return None
    return store.previous_success(dag_id=dag_run.dag_id, logical_date=dag_run.logical_date)

