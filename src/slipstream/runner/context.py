"""The context of a running task: dates, params, the run, and the task instance with XCom access."""

from __future__ import annotations

import itertools
import socket
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from slipstream.runner.expansion_items import stored_items
from slipstream.runner.task_state import TaskStateStore
from slipstream.runner.try_store import TryStore
from slipstream.runner.xcom_sequence import LazyXComSequence
from slipstream.sdk import macros
from slipstream.sdk.connection import ConnectionAccessor
from slipstream.sdk.exceptions import AirflowException, ParamValidationError
from slipstream.sdk.timezone import coerce_datetime
from slipstream.sdk.types import DagRun, TaskInstance
from slipstream.sdk.variable import VariableAccessor
from slipstream.sdk.xcom_arg import RETURN_VALUE
from slipstream.store.clock import utcnow
from slipstream.store.values import encode


class _NotRead:
    def __repr__(self) -> str:
        return "NOT_READ"


NOT_READ = _NotRead()


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET = _Unset()


@dataclass
class DagRunInfo(DagRun):
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
    # The partition the run is for (partitioned schedules), as Airflow's ``dag_run.partition_key``.
    partition_key: str | None = None
    partition_date: datetime | None = None

    def __post_init__(self) -> None:
        # pendulum DateTimes, as Airflow gives them: ``dag_run.logical_date.add(days=1)``.
        self.logical_date = coerce_datetime(self.logical_date)
        self.partition_date = coerce_datetime(self.partition_date)
        self.data_interval_start = coerce_datetime(self.data_interval_start)
        self.data_interval_end = coerce_datetime(self.data_interval_end)
        self.start_date = coerce_datetime(self.start_date)

    @property
    def execution_date(self) -> datetime | None:
        return self.logical_date


class RuntimeTaskInstance(TaskInstance):
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
        key: str = RETURN_VALUE,
        include_prior_dates: bool = False,
        *,
        map_indexes: int | Iterable[int] | None | _Unset = UNSET,
        default: Any = None,
        run_id: str | None = None,
    ) -> Any:
        """XComs of this run (or ``dag_id``'s run ``run_id``), shaped as Airflow 3 shapes them.

        Without ``map_indexes``: every value of each task (all its map indexes); one task id
        whose task left exactly one value gives that value, anything else a list (a mapped
        task of this DAG: a sequence read lazily from the store), and a task without a value
        counts as None; ``default`` is not used. With ``map_indexes`` (an index, None for the
        unmapped value, or a list): one value per (task id, map index) pair, ``default`` where
        there is none; a single task id with a single index gives the value itself.
        ``include_prior_dates``: also this DAG's earlier runs (by logical date); the latest
        value wins for one index, all of them come back without ``map_indexes``."""
        dag_id = dag_id or self.dag_id
        run_id = run_id or self.run_id
        ids = _task_id_list(task_ids, self.task_id)
        single_task = task_ids is None or isinstance(task_ids, str)
        where = {"dag_id": dag_id, "run_id": run_id, "key": key, "include_prior_dates": include_prior_dates}
        if map_indexes is UNSET:
            if single_task:
                lazy = self._lazy_mapped_values(ids[0], **where)
                if lazy is not None:
                    return lazy
            values: list[Any] = []
            for task_id in ids:
                values.extend(self._all_values(task_id, **where) or [None])
            return values[0] if single_task and len(values) == 1 else values
        indexes, single_index = _map_index_list(map_indexes)
        values = [self._value_at(t, m, **where) for t, m in itertools.product(ids, indexes)]
        values = [default if v is None else v for v in values]
        return values[0] if single_task and single_index else values

    def _local(self, task_id: str, dag_id: str, run_id: str, key: str) -> tuple[bool, Any]:
        """A value pushed by this try without a store (``tasks test``)."""
        if dag_id == self.dag_id and run_id == self.run_id and (task_id, key) in self.local_xcoms:
            return True, self.local_xcoms[(task_id, key)]
        return False, None

    def _all_values(self, task_id: str, *, dag_id: str, run_id: str, key: str, include_prior_dates: bool) -> list[Any]:
        found, value = self._local(task_id, dag_id, run_id, key)
        if found:
            return [value]
        if self._store is None:
            return []
        return self._store.xcom_pull_all(
            dag_id=dag_id, run_id=run_id, task_id=task_id, name=key, include_prior_dates=include_prior_dates
        )

    def _lazy_mapped_values(
        self, task_id: str, *, dag_id: str, run_id: str, key: str, include_prior_dates: bool
    ) -> Any:
        """A mapped task of this DAG in this run: its values as a lazy sequence (or, as Airflow
        gives them, the one value or None when it left one or none); None for any other pull."""
        if self._store is None or include_prior_dates or dag_id != self.dag_id or self._local(task_id, dag_id, run_id, key)[0]:
            return None
        upstream = self._same_dag_task(task_id)
        if upstream is None or not upstream.is_mapped:
            return None
        values = LazyXComSequence(self._store, dag_id=dag_id, run_id=run_id, task_id=task_id, key=key)
        if len(values) > 1:
            return values
        return values[0] if len(values) == 1 else None

    def _value_at(
        self, task_id: str, map_index: int | None, *, dag_id: str, run_id: str, key: str, include_prior_dates: bool
    ) -> Any:
        found, value = self._local(task_id, dag_id, run_id, key)
        if found:
            return value
        if self._store is None:
            return None
        return self._store.xcom_pull(
            dag_id=dag_id, run_id=run_id, task_id=task_id, name=key,
            map_index=-1 if map_index is None else map_index, include_prior_dates=include_prior_dates,
        )

    def pull_output(self, task_id: str, key: str) -> Any:
        """What a task's output (``XComArg``) passed as an argument resolves to: the unmapped
        value; for a mapped task, all its values as a lazy sequence, except inside the same
        mapped task group, where it is this instance's own value."""
        found, value = self._local(task_id, self.dag_id, self.run_id, key)
        if found:
            return value
        if self._store is None:
            return None
        upstream = self._same_dag_task(task_id)
        map_index = None
        if upstream is not None and upstream.is_mapped:
            group = upstream.mapped_group
            if group is not None and group == getattr(self.task, "mapped_group", None) and self.map_index >= 0:
                map_index = self.map_index
            else:
                return LazyXComSequence(self._store, dag_id=self.dag_id, run_id=self.run_id, task_id=task_id, key=key)
        return self._store.xcom_pull(
            dag_id=self.dag_id, run_id=self.run_id, task_id=task_id, name=key, map_index=map_index
        )

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


def _task_id_list(task_ids: str | Iterable[str] | None, own: str) -> list[str]:
    if task_ids is None:
        return [own]
    ids = [task_ids] if isinstance(task_ids, str) else list(task_ids) if isinstance(task_ids, Iterable) else None
    if ids is None or not all(isinstance(t, str) for t in ids):
        raise TypeError(f"xcom_pull: task_ids must be a task id or a list of task ids, got {task_ids!r}")
    return ids


def _map_index_list(map_indexes: Any) -> tuple[list[int | None], bool]:
    """The map indexes asked for, and whether a single one was (an int, or None for the unmapped value)."""
    if map_indexes is None or (isinstance(map_indexes, int) and not isinstance(map_indexes, bool)):
        return [map_indexes], True
    if isinstance(map_indexes, Iterable) and not isinstance(map_indexes, str):
        indexes = list(map_indexes)
        if all(isinstance(m, int) and not isinstance(m, bool) for m in indexes):
            return indexes, False
    raise TypeError(
        f"xcom_pull: map_indexes must be a map index, a list of map indexes or None, got {map_indexes!r}"
    )


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
        "partition_key": dag_run.partition_key,
        "partition_date": dag_run.partition_date,
        "try_number": ti.try_number,
        "map_index": ti.map_index,
        "test_mode": ti._store is None,
        "inlets": [],
        "outlets": [],
        "var": {"value": VariableAccessor(deserialize_json=False), "json": VariableAccessor(deserialize_json=True)},
        "conn": ConnectionAccessor(),
    }
    if ti._store is not None:
        context["task_state_store"] = TaskStateStore(ti._store, dag_run.id, (dag_run.dag_id, dag_run.run_id,
                                                                             ti.task_id, ti.map_index))
    return context


def _previous_success(store: TryStore | None, dag_run: DagRunInfo) -> dict[str, Any] | None:
    if store is None or dag_run.logical_date is None:
        return None
    return store.previous_success(dag_id=dag_run.dag_id, logical_date=dag_run.logical_date)

