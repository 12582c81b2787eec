"""ExternalTaskSensor: wait for tasks (or a task group, or the whole run) of another DAG's run
with the matching logical date; ExternalTaskMarker: names a task of another DAG that depends on
this one."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.context import determine_kwargs
from slipstream.sdk.exceptions import AirflowException, AirflowSkipException, DagDefinitionError
from slipstream.sdk.state import DagRunState, TaskInstanceState
from slipstream.sensors.base import BaseSensorOperator

__all__ = [
    "ExternalDagFailedError",
    "ExternalDagNotFoundError",
    "ExternalTaskFailedError",
    "ExternalTaskGroupFailedError",
    "ExternalTaskGroupNotFoundError",
    "ExternalTaskMarker",
    "ExternalTaskNotFoundError",
    "ExternalTaskSensor",
]

TASK_STATES = frozenset(s.value for s in TaskInstanceState) | {"none"}
RUN_STATES = frozenset(s.value for s in DagRunState)


class ExternalDagNotFoundError(AirflowException):
    """check_existence: the DAG to wait for is not in the store."""


class ExternalTaskNotFoundError(AirflowException):
    """check_existence: a task to wait for is not in its DAG."""


class ExternalTaskGroupNotFoundError(AirflowException):
    """check_existence: the task group to wait for is not in its DAG."""


class ExternalDagFailedError(AirflowException):
    """The run waited for ended in one of failed_states."""


class ExternalTaskFailedError(AirflowException):
    """A task waited for ended in one of failed_states."""


class ExternalTaskGroupFailedError(AirflowException):
    """A task of the group waited for ended in one of failed_states."""


class ExternalTaskSensor(BaseSensorOperator):
    """Done when, in the run of ``external_dag_id`` at this run's logical date (shifted back by
    ``execution_delta``, or the date(s) ``execution_date_fn(logical_date, ...)`` returns), the
    tasks ``external_task_ids`` (or ``external_task_id``, or every task of
    ``external_task_group_id``) are all in ``allowed_states``; with none of them, the run itself
    must be in ``allowed_states``. One of them in ``failed_states`` fails the sensor (skips it
    with soft_fail); in ``skipped_states`` skips it. ``check_existence`` fails at once when the
    DAG, the tasks or the group do not exist.
    """

    template_fields: Sequence[str] = ("external_dag_id", "external_task_id", "external_task_ids", "external_task_group_id")
    ui_color = "#4db7db"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str | None = None,
        external_task_ids: Collection[str] | None = None,
        external_task_group_id: str | None = None,
        allowed_states: Iterable[str] | None = None,
        skipped_states: Iterable[str] | None = None,
        failed_states: Iterable[str] | None = None,
        execution_delta: timedelta | None = None,
        execution_date_fn: Callable[..., Any] | None = None,
        check_existence: bool = False,
        poll_interval: float = 2.0,
        deferrable: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        where = f"Task {self.task_id!r}"
        if external_task_id is not None and external_task_ids is not None:
            raise DagDefinitionError(f"{where}: give external_task_id or external_task_ids, not both")
        if external_task_id is not None:
            external_task_ids = [external_task_id]
        if external_task_ids is not None:
            external_task_ids = list(external_task_ids)
            if len(set(external_task_ids)) != len(external_task_ids):
                raise DagDefinitionError(f"{where}: external_task_ids has duplicates: {external_task_ids}")
        if external_task_ids and external_task_group_id is not None:
            raise DagDefinitionError(f"{where}: give external_task_ids or external_task_group_id, not both")
        if execution_delta is not None and execution_date_fn is not None:
            raise DagDefinitionError(f"{where}: give execution_delta or execution_date_fn, not both")
        self.allowed_states = [str(s) for s in (allowed_states or [TaskInstanceState.SUCCESS])]
        self.skipped_states = [str(s) for s in (skipped_states or [])]
        self.failed_states = [str(s) for s in (failed_states or [])]
        _check_states(where, self.allowed_states, self.skipped_states, self.failed_states,
                      for_tasks=bool(external_task_ids) or external_task_group_id is not None)
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.external_task_ids = external_task_ids
        self.external_task_group_id = external_task_group_id
        self.execution_delta = execution_delta
        self.execution_date_fn = execution_date_fn
        self.check_existence = check_existence
        self.poll_interval = poll_interval
        self.use_reschedule_for_deferral(deferrable)
        if deferrable:
            self.poke_interval = float(poll_interval)

    def logical_dates(self, context: Mapping[str, Any]) -> list[datetime]:
        """The logical dates of the external runs to wait for."""
        logical = context["logical_date"]
        if self.execution_delta is not None:
            dates: Any = logical - self.execution_delta
        elif self.execution_date_fn is not None:
            kwargs = determine_kwargs(self.execution_date_fn, [logical], {}, context)
            dates = self.execution_date_fn(logical, **kwargs)
        else:
            dates = logical
        found = list(dates) if isinstance(dates, (list, tuple)) else [dates]
        for date in found:
            if not isinstance(date, datetime):
                raise TypeError(f"Task {self.task_id!r}: execution_date_fn must return datetimes, got {date!r}")
        return [d if d.tzinfo is not None else d.replace(tzinfo=UTC) for d in found]

    def poke(self, context: Mapping[str, Any]) -> bool:
        dates = self.logical_dates(context)
        what = self._what()
        self.log.info(
            "Poking for %s of DAG %s on %s ...", what, self.external_dag_id, ", ".join(d.isoformat() for d in dates)
        )
        found = context["ti"].external_runs(self.external_dag_id, dates)
        if self.check_existence:
            self._check_existence(found)
        runs_by_date: dict[datetime, list[dict[str, Any]]] = {d: [] for d in dates}
        for run in found["runs"]:
            runs_by_date.setdefault(run["logical_date"], []).append(run)
        if self.external_task_ids or self.external_task_group_id is not None:
            per_date = [self._task_states(runs, found["task_ids"]) for runs in runs_by_date.values()]
            everything = [state for states in per_date for task_states in states.values() for state in task_states]
            done = all(
                states and all(task_states and all(s in self.allowed_states for s in task_states) for task_states in states.values())
                for states in per_date
            )
        else:
            everything = [run["state"] for runs in runs_by_date.values() for run in runs]
            done = all(any(run["state"] in self.allowed_states for run in runs) for runs in runs_by_date.values())
        if any(state in self.failed_states for state in everything):
            self._failed(what)
        if any(state in self.skipped_states for state in everything):
            raise AirflowSkipException(f"{what} of DAG {self.external_dag_id} ended in one of {self.skipped_states}")
        return done

    def _what(self) -> str:
        if self.external_task_ids:
            return f"tasks {self.external_task_ids}"
        if self.external_task_group_id is not None:
            return f"task group {self.external_task_group_id!r}"
        return "the run"

    def _task_ids(self, all_task_ids: Iterable[str]) -> list[str]:
        if self.external_task_ids:
            return list(self.external_task_ids)
        prefix = f"{self.external_task_group_id}."
        return [t for t in all_task_ids if t.startswith(prefix)]

    def _task_states(self, runs: list[dict[str, Any]], dag_task_ids: list[str] | None) -> dict[str, list[str]]:
        """{task id waited for: the states of its instances in these runs}."""
        in_runs = [t for run in runs for t in run["task_states"]]
        wanted = self._task_ids(dag_task_ids if dag_task_ids is not None else in_runs)
        return {t: [s for run in runs for s in run["task_states"].get(t, [])] for t in wanted}

    def _failed(self, what: str) -> None:
        message = f"{what} of DAG {self.external_dag_id} ended in one of {self.failed_states}"
        if self.soft_fail:
            raise AirflowSkipException(f"{message} (skipped: soft_fail)")
        if self.external_task_ids:
            raise ExternalTaskFailedError(message)
        if self.external_task_group_id is not None:
            raise ExternalTaskGroupFailedError(message)
        raise ExternalDagFailedError(message)

    def _check_existence(self, found: Mapping[str, Any]) -> None:
        if not found["dag_exists"]:
            raise ExternalDagNotFoundError(f"The DAG {self.external_dag_id!r} to wait for does not exist")
        task_ids = found["task_ids"] or []
        if self.external_task_ids:
            missing = [t for t in self.external_task_ids if t not in task_ids]
            if missing:
                raise ExternalTaskNotFoundError(f"DAG {self.external_dag_id!r} has no task {', '.join(map(repr, missing))}")
        elif self.external_task_group_id is not None and not self._task_ids(task_ids):
            raise ExternalTaskGroupNotFoundError(
                f"DAG {self.external_dag_id!r} has no task group {self.external_task_group_id!r}"
            )


def _check_states(where: str, allowed: list[str], skipped: list[str], failed: list[str], *, for_tasks: bool) -> None:
    groups = {"allowed_states": allowed, "skipped_states": skipped, "failed_states": failed}
    names = list(groups)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            both = sorted(set(groups[first]) & set(groups[second]))
            if both:
                raise DagDefinitionError(f"{where}: {', '.join(both)} is in both {first} and {second}")
    valid = TASK_STATES if for_tasks else RUN_STATES
    unknown = sorted({s for states in groups.values() for s in states} - valid)
    if unknown:
        kind = "task instance states" if for_tasks else "DAG run states (no task id or group is given)"
        raise DagDefinitionError(
            f"{where}: {', '.join(unknown)} not valid here; use {kind}: {', '.join(sorted(valid))}"
        )


class ExternalTaskMarker(BaseOperator):
    """Marks that ``external_task_id`` of ``external_dag_id`` waits for this task (Airflow clears
    it along with this one). Running it does nothing; clearing across DAGs is not supported by
    Slipstream yet, so it only documents the link."""

    template_fields: Sequence[str] = ("external_dag_id", "external_task_id", "logical_date")
    ui_color = "#4db7db"

    def __init__(
        self,
        *,
        external_dag_id: str,
        external_task_id: str,
        logical_date: str | datetime | None = "{{ logical_date.isoformat() }}",
        recursion_depth: int = 10,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if recursion_depth <= 0:
            raise DagDefinitionError(f"Task {self.task_id!r}: recursion_depth must be a positive whole number")
        self.external_dag_id = external_dag_id
        self.external_task_id = external_task_id
        self.logical_date = logical_date.isoformat() if isinstance(logical_date, datetime) else logical_date
        self.recursion_depth = recursion_depth

    def execute(self, context: Mapping[str, Any]) -> None:
        return None
