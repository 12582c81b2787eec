"""Serialized DAGs: the JSON the parser stores and the read-only view the scheduler uses.

The scheduler, the API and the UI only ever see ``SerializedDag``; they never import DAG files.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from slipstream.sdk.asset_schedule import encode_all
from slipstream.sdk.baseoperator import BaseOperator, backoff_multiplier, retry_delay_seconds
from slipstream.sdk.dag import DAG
from slipstream.sdk.param import ParamsDict
from slipstream.store.values import storable
from slipstream.timetables.assets import partition_entry, schedule_summary, split_schedule
from slipstream.timetables.schedule import parse_schedule
from slipstream.timetables.timezones import dag_timezone

if TYPE_CHECKING:
    from slipstream.dagfiles.setup_teardown_graph import SetupTeardownGraph

FORMAT_VERSION = 1


def _as_aware(value: Any, tz: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise TypeError(f"expected a datetime, got {type(value).__name__}: {value!r}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC if tz.lower() == "utc" else ZoneInfo(tz))
    return value.isoformat()


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


DOC_KINDS = ("doc", "doc_md", "doc_json", "doc_yaml", "doc_rst")


def _serialize_task(task: BaseOperator, default_timezone: str = "utc") -> dict[str, Any]:
    return {
        "task_id": task.task_id,
        "operator": task.operator_name,
        "operator_module": type(task).__module__,
        "upstream": sorted(task.upstream_task_ids),
        "downstream": sorted(task.downstream_task_ids),
        "trigger_rule": task.trigger_rule.value,
        "retries": task.retries,
        "retry_delay": _seconds(task.retry_delay),
        "retry_exponential_backoff": backoff_multiplier(task.retry_exponential_backoff),
        "max_retry_delay": _seconds(task.max_retry_delay),
        "execution_timeout": _seconds(task.execution_timeout),
        "pool": task.pool,
        "pool_slots": task.pool_slots,
        "priority_weight": task.priority_weight,
        "weight_rule": task.weight_rule,
        "queue": task.queue,
        "owner": task.owner,
        "task_display_name": task.task_display_name,
        "doc_md": task.doc_md,
        "depends_on_past": bool(task.depends_on_past),
        "wait_for_downstream": bool(task.wait_for_downstream),
        "ignore_first_depends_on_past": bool(getattr(task, "ignore_first_depends_on_past", True)),
        "runs_without_process": task.runs_without_process,
        "template_fields": list(task.template_fields),
        "email": [task.email] if isinstance(task.email, str) else list(task.email or []),
        "email_on_failure": bool(task.email_on_failure),
        "email_on_retry": bool(task.email_on_retry),
        "max_active_tis_per_dag": task.max_active_tis_per_dag,
        "max_active_tis_per_dagrun": task.max_active_tis_per_dagrun,
        "task_group": task.task_group.group_id if task.task_group is not None else None,
        "ui_color": task.ui_color,
        "mapped": task.expand_input.serialize() if task.is_mapped else None,
        "mapped_group": task.mapped_group,
        # Kept and shown; they have no effect here (a warning says so when the DAG is defined).
        "executor": getattr(task, "executor", None),
        "run_as_user": getattr(task, "run_as_user", None),
        "resources": storable(getattr(task, "resources", None)),
        "executor_config": storable(getattr(task, "executor_config", None) or None),
        "docs": {kind: getattr(task, kind) for kind in DOC_KINDS if getattr(task, kind, None)},
        **_setup_teardown_marks(task),
        **_failure_callback_marks(task),
        **_assets_of(task),
        **_own_dates(task, default_timezone),
    }


def _own_dates(task: BaseOperator, default_timezone: str) -> dict[str, str]:
    """A task's own ``start_date``/``end_date`` (from its arguments or default_args), when it has
    them: a run whose logical date is outside them gets no instance of the task, as in Airflow."""
    dates = {name: _as_aware(getattr(task, name, None), default_timezone) for name in ("start_date", "end_date")}
    return {name: value for name, value in dates.items() if value is not None}


def _setup_teardown_marks(task: BaseOperator) -> dict[str, bool]:
    """``is_setup``, ``is_teardown`` and ``on_failure_fail_dagrun``, written only when set."""
    marks = {
        "is_setup": task.is_setup,
        "is_teardown": task.is_teardown,
        "on_failure_fail_dagrun": task.on_failure_fail_dagrun,
    }
    return {name: True for name, value in marks.items() if value}


def _failure_callback_marks(task: BaseOperator) -> dict[str, bool]:
    """``has_on_failure_callback`` / ``has_on_retry_callback``, written only when set: the
    scheduler runs them (scheduler/failure_callbacks.py) for a try it fails itself."""
    marks = {"has_on_failure_callback": task.on_failure_callback, "has_on_retry_callback": task.on_retry_callback}
    return {name: True for name, value in marks.items() if value}


def _assets_of(task: BaseOperator) -> dict[str, Any]:
    """The task's inlets and outlets that are assets (kept only when it has some)."""
    found = {"inlets": encode_all(getattr(task, "inlets", ())), "outlets": encode_all(getattr(task, "outlets", ()))}
    return {name: items for name, items in found.items() if items}


def _with_total_priority(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``priority_weight_total``: the task's own weight plus, by its weight_rule, the weights
    of every task below it (downstream) or above it (upstream), or just its own (absolute).

    Relatives are bit sets built in one sweep each way, so a 10,000-task chain stays cheap."""
    index = {t["task_id"]: i for i, t in enumerate(tasks)}
    weights = [t["priority_weight"] for t in tasks]
    uniform = all(w == 1 for w in weights)

    def relatives(direction: str, order: list[int]) -> list[int]:
        bits = [0] * len(tasks)
        for i in order:
            for other in tasks[i][direction]:
                j = index[other]
                bits[i] |= bits[j] | (1 << j)
        return bits

    def total(bits: int) -> int:
        if uniform:
            return bits.bit_count()
        return sum(weights[j] for j in range(bits.bit_length()) if bits >> j & 1)

    rules = {t["weight_rule"] for t in tasks}
    below = relatives("downstream", list(reversed(range(len(tasks))))) if "downstream" in rules else []
    above = relatives("upstream", list(range(len(tasks)))) if "upstream" in rules else []
    for i, task in enumerate(tasks):
        extra = 0
        if task["weight_rule"] == "downstream":
            extra = total(below[i])
        elif task["weight_rule"] == "upstream":
            extra = total(above[i])
        task["priority_weight_total"] = task["priority_weight"] + extra
    return tasks


def serialize_dag(
    dag: DAG, default_timezone: str = "utc", *, cron_data_intervals: bool | None = None,
    delta_data_intervals: bool | None = None,
) -> dict[str, Any]:
    """The JSON form of a DAG: everything the scheduler, API and UI need, nothing executable.
    (``*_data_intervals``: see ``timetables.schedule.parse_schedule``.)"""
    order = dag.topological_order()
    time_schedule, asset_condition = split_schedule(dag.schedule, dag.dag_id)
    return {
        "format": FORMAT_VERSION,
        "dag_id": dag.dag_id,
        "fileloc": dag.fileloc,
        "description": dag.description,
        "dag_display_name": dag.dag_display_name,
        "doc_md": dag.doc_md,
        "owner_links": dict(getattr(dag, "owner_links", None) or {}),
        "tags": list(dag.tags),
        "owners": sorted({t.owner for t in dag.tasks}),
        "schedule": parse_schedule(
            time_schedule, dag.dag_id, cron_data_intervals=cron_data_intervals, delta_data_intervals=delta_data_intervals
        ),
        "asset_condition": asset_condition,
        **partition_entry(dag.schedule),
        "start_date": _as_aware(dag.start_date, default_timezone),
        "end_date": _as_aware(dag.end_date, default_timezone),
        "timezone": dag_timezone(dag.start_date, default_timezone),
        "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs,
        "max_active_tasks": dag.max_active_tasks,
        "dagrun_timeout": _seconds(dag.dagrun_timeout),
        "has_on_success_callback": bool(dag.extra_arguments.get("on_success_callback")),
        "has_on_failure_callback": bool(dag.extra_arguments.get("on_failure_callback")),
        "params": dag.params.serialize(),
        "tasks": _with_own_params(dag, _with_total_priority(
            [_serialize_task(dag.task_dict[task_id], default_timezone) for task_id in order]
        )),
        **_shown_settings(dag),
        "task_group": dag.task_group.serialize(),
        "edge_info": {up: dict(sorted(downs.items())) for up, downs in sorted(dag.edge_info.items())},
        **_deadline_of(dag),
    }


def _with_own_params(dag: DAG, tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add ``params`` to the tasks whose params are not just the DAG's (their own, or default_args')."""
    dag_params = dag.params.serialize()
    for task in tasks:
        params = dag.task_dict[task["task_id"]].params
        if isinstance(params, ParamsDict) and (own := params.serialize()) != dag_params:
            task["params"] = storable(own)
    return tasks


def _shown_settings(dag: DAG) -> dict[str, Any]:
    """DAG arguments the API shows (``/dags/{id}/details``) that scheduling does not read."""
    extra = dag.extra_arguments
    searchpath = extra.get("template_searchpath")
    return {
        "default_args": _stable(dag.default_args),
        "render_template_as_native_obj": bool(extra.get("render_template_as_native_obj")),
        "template_searchpath": [searchpath] if isinstance(searchpath, str) else storable(searchpath),
        "is_paused_upon_creation": extra.get("is_paused_upon_creation"),
        "max_consecutive_failed_dag_runs": extra.get("max_consecutive_failed_dag_runs") or 0,
    }


def _stable(value: Any) -> Any:
    """``value`` as JSON that is the same at every parse: functions and classes by their dotted
    name, other objects by type name when their text would hold a memory address."""
    if isinstance(value, Mapping):
        return {str(k): _stable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_stable(v) for v in value]
    if isinstance(value, (datetime, timedelta)):
        return str(value)
    if callable(value) and hasattr(value, "__qualname__"):
        return f"{getattr(value, '__module__', '')}.{value.__qualname__}"
    plain = storable(value)
    if isinstance(plain, str) and " at 0x" in plain and not isinstance(value, str):
        return f"<{type(value).__module__}.{type(value).__qualname__}>"
    return plain


def _deadline_of(dag: DAG) -> dict[str, Any]:
    """``{"deadline": [...]}`` for a DAG with deadline alerts (sdk/deadline.py), else nothing."""
    if getattr(dag, "deadline", None) is None:
        return {}
    from slipstream.sdk.deadline import checked_deadline, serialize_deadline

    return {"deadline": serialize_deadline(dag.dag_id, checked_deadline(dag.dag_id, dag.deadline))}


def dag_hash(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class SerializedTask:
    """One task as the scheduler sees it."""

    data: Mapping[str, Any]

    def __getattr__(self, name: str) -> Any:
        try:
            return self.data[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def task_id(self) -> str:
        return self.data["task_id"]

    @property
    def upstream(self) -> list[str]:
        return self.data["upstream"]

    @property
    def downstream(self) -> list[str]:
        return self.data["downstream"]

    def retry_delay_for(self, try_number: int) -> timedelta:
        """How long to wait after try ``try_number`` failed before the next try."""
        return timedelta(
            seconds=retry_delay_seconds(
                self.data.get("retry_delay") or 0.0,
                self.data.get("retry_exponential_backoff") or False,
                self.data.get("max_retry_delay"),
                try_number,
            )
        )


class SerializedDag:
    """A DAG as stored by the parser: ids, settings and the dependency graph."""

    def __init__(self, data: Mapping[str, Any], dag_hash: str | None = None) -> None:
        self.data = data
        self.dag_hash = dag_hash
        self.tasks: dict[str, SerializedTask] = {t["task_id"]: SerializedTask(t) for t in data["tasks"]}

    def __repr__(self) -> str:
        return f"<SerializedDag {self.dag_id}>"

    @property
    def dag_id(self) -> str:
        return self.data["dag_id"]

    @property
    def fileloc(self) -> str:
        return self.data["fileloc"]

    @property
    def task_ids(self) -> list[str]:
        return list(self.tasks)

    @cached_property
    def mapped_group_task_ids(self) -> frozenset[str]:
        """Tasks inside a mapped task group (their instances are decided one by one)."""
        return frozenset(t for t, task in self.tasks.items() if task.data.get("mapped_group") is not None)

    @property
    def max_active_runs(self) -> int | None:
        return self.data.get("max_active_runs")

    @property
    def max_active_tasks(self) -> int | None:
        return self.data.get("max_active_tasks")

    @property
    def deadline_alerts(self) -> list[dict[str, Any]]:
        """The DAG's deadline alerts as data (sdk/deadline.py:serialize_deadline), [] when none."""
        return list(self.data.get("deadline") or ())

    @cached_property
    def params(self) -> ParamsDict:
        return ParamsDict.deserialize(self.data.get("params") or {})

    @cached_property
    def leaves(self) -> list[str]:
        return [tid for tid, t in self.tasks.items() if not t.downstream]

    @cached_property
    def setup_teardown(self) -> SetupTeardownGraph | None:
        """How its setups, teardowns and work relate; None when it has no setup or teardown."""
        from slipstream.dagfiles.setup_teardown_graph import SetupTeardownGraph

        return SetupTeardownGraph.of(self.tasks)

    @property
    def schedule_summary(self) -> str:
        return schedule_summary(self.data)

    def get_task(self, task_id: str) -> SerializedTask:
        return self.tasks[task_id]
