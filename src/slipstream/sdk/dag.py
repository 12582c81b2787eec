"""The DAG: a named set of tasks and the dependencies between them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slipstream.sdk.exceptions import DagCycleError, DagDefinitionError, DuplicateTaskIdFound, TaskNotFound
from slipstream.sdk.ids import validate_key
from slipstream.sdk.param import ParamsDict

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator
    from slipstream.sdk.task_group import TaskGroup

_NOT_SET: Any = object()


class _DagContext:
    """The stack of DAGs opened with ``with DAG(...)`` while a DAG file is being built."""

    def __init__(self) -> None:
        self.stack: list[DAG] = []
        self.registered: list[DAG] = []

    def push(self, dag: DAG) -> None:
        self.stack.append(dag)

    def pop(self) -> DAG:
        return self.stack.pop()

    def current(self) -> DAG | None:
        return self.stack[-1] if self.stack else None


dag_context = _DagContext()

# Arguments Airflow accepts that Slipstream keeps in ``extra_arguments`` (some are used from there,
# e.g. the template ones by ``sdk/templating.py``; the others are not acted on yet).
_ACCEPTED_AIRFLOW_ARGUMENTS = {
    "access_control",
    "is_paused_upon_creation",
    "jinja_environment_kwargs",
    "orientation",
    "default_view",
    "sla_miss_callback",
    "owner_links",
    "auto_register",
    "fail_fast",
    "dag_display_name_ignored",
    "on_success_callback",
    "on_failure_callback",
    "dagrun_timeout",
    "template_undefined",
    "user_defined_macros",
    "user_defined_filters",
    "template_searchpath",
    "render_template_as_native_obj",
    "max_consecutive_failed_dag_runs",
    "deadline",
}


class DAG:
    """A workflow: tasks, their dependencies, and when it runs.

    Use it as a context manager (``with DAG(...) as dag:``) or pass ``dag=`` to each task.
    """

    def __init__(
        self,
        dag_id: str,
        description: str | None = None,
        schedule: Any = _NOT_SET,
        schedule_interval: Any = _NOT_SET,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        default_args: dict[str, Any] | None = None,
        catchup: bool | None = None,
        max_active_runs: int | None = None,
        max_active_tasks: int | None = None,
        concurrency: int | None = None,
        params: dict[str, Any] | None = None,
        tags: Iterable[str] | None = None,
        dag_display_name: str | None = None,
        doc_md: str | None = None,
        fileloc: str | None = None,
        **kwargs: Any,
    ) -> None:
        if "timetable" in kwargs:  # Airflow 2.2+'s DAG(timetable=...), an older name of schedule
            if schedule is not _NOT_SET or schedule_interval is not _NOT_SET:
                raise DagDefinitionError(f"DAG {dag_id!r}: give either schedule or timetable, not both")
            schedule = kwargs.pop("timetable")
        unknown = set(kwargs) - _ACCEPTED_AIRFLOW_ARGUMENTS
        if unknown:
            raise TypeError(f"DAG() got unexpected keyword argument(s): {', '.join(sorted(unknown))}")
        self.dag_id = validate_key("dag_id", dag_id)
        if schedule is not _NOT_SET and schedule_interval is not _NOT_SET:
            raise DagDefinitionError(
                f"DAG {dag_id!r}: give either schedule or schedule_interval, not both"
            )
        if schedule is _NOT_SET:
            schedule = None if schedule_interval is _NOT_SET else schedule_interval
        self.schedule = schedule
        self.default_args = dict(default_args or {})
        self.description = description
        self.start_date = start_date if start_date is not None else self.default_args.get("start_date")
        self.end_date = end_date if end_date is not None else self.default_args.get("end_date")
        self.catchup = catchup
        self.max_active_runs = max_active_runs
        if max_active_tasks is not None and concurrency is not None:
            raise DagDefinitionError(f"DAG {dag_id!r}: give max_active_tasks or concurrency, not both")
        self.max_active_tasks = max_active_tasks if max_active_tasks is not None else concurrency
        self.params = ParamsDict(params or {})
        if "params" in self.default_args:
            merged = ParamsDict(self.default_args["params"])
            merged.update(self.params)
            self.params = merged
        self.tags = sorted(set(tags or []))
        self.dag_display_name = dag_display_name or dag_id
        self.doc_md = doc_md
        self.dagrun_timeout: timedelta | None = kwargs.get("dagrun_timeout")
        self.extra_arguments = kwargs
        self.deadline: Any = kwargs.get("deadline")
        if self.deadline is not None:
            from slipstream.sdk.deadline import checked_deadline

            checked_deadline(dag_id, self.deadline)
        self.owner_links = checked_owner_links(dag_id, kwargs.get("owner_links"))
        self.fileloc = fileloc or _caller_file()
        self.task_dict: dict[str, BaseOperator] = {}
        # upstream task_id -> downstream task_id -> {"label": ...}, set by edge labels (sdk/edges.py)
        self.edge_info: dict[str, dict[str, dict[str, Any]]] = {}
        from slipstream.sdk.task_group import TaskGroup

        self.task_group: TaskGroup = TaskGroup.root(self)
        for kind, value in (("max_active_runs", self.max_active_runs), ("max_active_tasks", self.max_active_tasks)):
            if value is not None and (not isinstance(value, int) or value < 1):
                raise DagDefinitionError(f"DAG {dag_id!r}: {kind} must be a whole number of at least 1, got {value!r}")

    def __repr__(self) -> str:
        return f"<DAG: {self.dag_id}>"

    def __enter__(self) -> DAG:
        dag_context.push(self)
        return self

    def __exit__(self, *exc: object) -> None:
        dag_context.pop()
        if self.extra_arguments.get("auto_register", True):
            dag_context.registered.append(self)

    @property
    def schedule_interval(self) -> Any:
        return self.schedule

    @property
    def timetable(self) -> Any:
        """The schedule as a timetable object (``dag.timetable.summary``), in the DAG's time zone."""
        from slipstream.timetables.schedule import parse_schedule
        from slipstream.timetables.timetable import make_timetable
        from slipstream.timetables.timezones import dag_timezone

        return make_timetable(parse_schedule(self.schedule, self.dag_id), dag_timezone(self.start_date, "UTC"))

    @property
    def user_defined_macros(self) -> dict[str, Any] | None:
        return self.extra_arguments.get("user_defined_macros")

    @property
    def user_defined_filters(self) -> dict[str, Any] | None:
        return self.extra_arguments.get("user_defined_filters")

    @property
    def template_searchpath(self) -> str | list[str] | None:
        return self.extra_arguments.get("template_searchpath")

    @property
    def render_template_as_native_obj(self) -> bool:
        return bool(self.extra_arguments.get("render_template_as_native_obj"))

    def get_template_env(self, force_sandboxed: bool = False) -> Any:
        """The Jinja environment the tasks of this DAG are rendered with (see ``sdk/templating.py``);
        ``force_sandboxed`` is accepted for Airflow's signature, the environment is never sandboxed."""
        from slipstream.sdk.templating import dag_environment

        return dag_environment(self)

    @property
    def concurrency(self) -> int | None:
        return self.max_active_tasks

    @property
    def tasks(self) -> list[BaseOperator]:
        return list(self.task_dict.values())

    @property
    def task_ids(self) -> list[str]:
        return list(self.task_dict)

    @property
    def roots(self) -> list[BaseOperator]:
        return [t for t in self.task_dict.values() if not t.upstream_task_ids]

    @property
    def leaves(self) -> list[BaseOperator]:
        return [t for t in self.task_dict.values() if not t.downstream_task_ids]

    def add_task(self, task: BaseOperator) -> None:
        if task.task_id in self.task_dict and self.task_dict[task.task_id] is not task:
            raise DuplicateTaskIdFound(
                f"Task id {task.task_id!r} has already been added to the DAG {self.dag_id!r}: "
                "every task of a DAG needs its own task_id"
            )
        self.task_dict[task.task_id] = task

    def set_edge_info(self, upstream_task_id: str, downstream_task_id: str, info: dict[str, Any]) -> None:
        self.edge_info.setdefault(upstream_task_id, {})[downstream_task_id] = dict(info)

    def get_edge_info(self, upstream_task_id: str, downstream_task_id: str) -> dict[str, Any]:
        return self.edge_info.get(upstream_task_id, {}).get(downstream_task_id, {})

    def has_task(self, task_id: str) -> bool:
        return task_id in self.task_dict

    def get_task(self, task_id: str) -> BaseOperator:
        try:
            return self.task_dict[task_id]
        except KeyError:
            raise TaskNotFound(f"Task {task_id!r} not found in DAG {self.dag_id!r}") from None

    def find_cycle(self) -> list[str] | None:
        """Return one cycle as a list of task ids (first == last), or None."""
        white, grey, black = 0, 1, 2
        color = dict.fromkeys(self.task_dict, white)
        for root in self.task_dict:
            if color[root] != white:
                continue
            path = [root]
            iterators = [iter(sorted(self.task_dict[root].downstream_task_ids))]
            color[root] = grey
            while iterators:
                child = next(iterators[-1], None)
                if child is None:
                    color[path.pop()] = black
                    iterators.pop()
                    continue
                if color.get(child) == grey:
                    return path[path.index(child):] + [child]
                if color.get(child) == white:
                    color[child] = grey
                    path.append(child)
                    iterators.append(iter(sorted(self.task_dict[child].downstream_task_ids)))
        return None

    def check_cycle(self) -> None:
        cycle = self.find_cycle()
        if cycle:
            raise DagCycleError(f"Cycle detected in DAG {self.dag_id!r}: {' -> '.join(cycle)}")

    def validate(self) -> None:
        """Check the whole DAG once it is built; raises DagDefinitionError subclasses."""
        self.check_cycle()
        from slipstream.sdk.setup_teardown import check_setups

        check_setups(self)
        if self.start_date is None and self._needs_start_date():
            raise DagDefinitionError(f"DAG {self.dag_id!r} has a schedule but no start_date")
        if (self.max_active_runs or 0) > 1 and self._schedule_kind() == "continuous":
            raise DagDefinitionError(
                f"DAG {self.dag_id!r}: schedule '@continuous' runs one run at a time, so max_active_runs must be 1 "
                f"(or left out), got {self.max_active_runs}"
            )
        if self.start_date is not None and self.end_date is not None and self.end_date < self.start_date:
            raise DagDefinitionError(
                f"DAG {self.dag_id!r}: end_date {self.end_date} is before start_date {self.start_date}"
            )

    def _needs_start_date(self) -> bool:
        """A readable data-interval schedule (a data-interval timetable, or a cron string or
        timedelta with ``[scheduler] create_*_data_intervals`` on): its intervals start at
        start_date. Trigger, events, @once and @continuous timetables start from now without one;
        an unreadable schedule is reported when it is serialized."""
        return self._schedule_kind() in ("cron", "delta")

    def _schedule_kind(self) -> str | None:
        """The kind of a readable schedule (None for manual only or an unreadable schedule)."""
        from slipstream.timetables.schedule import InvalidSchedule, parse_schedule

        try:
            schedule = parse_schedule(self.schedule, self.dag_id)
        except (InvalidSchedule, ValueError):
            return None
        return None if schedule is None else schedule["kind"]

    def topological_order(self) -> list[str]:
        """Task ids with every task after its upstreams; ties keep definition order."""
        import heapq

        position = {tid: i for i, tid in enumerate(self.task_dict)}
        remaining = {tid: len(t.upstream_task_ids) for tid, t in self.task_dict.items()}
        ready = [(position[tid], tid) for tid, n in remaining.items() if n == 0]
        heapq.heapify(ready)
        order: list[str] = []
        while ready:
            _, tid = heapq.heappop(ready)
            order.append(tid)
            for child in self.task_dict[tid].downstream_task_ids:
                remaining[child] -= 1
                if remaining[child] == 0:
                    heapq.heappush(ready, (position[child], child))
        return order


def _caller_file() -> str:
    import sys

    frame = sys._getframe(2)
    while frame is not None and frame.f_globals.get("__name__", "").startswith("slipstream.sdk"):
        frame = frame.f_back
    return frame.f_code.co_filename if frame is not None else ""


def checked_owner_links(dag_id: str, owner_links: Any) -> dict[str, str]:
    """``owner_links`` (owner -> link shown beside the owner), each a URL with a scheme and a
    host, or a ``mailto:`` address; a malformed one is an error naming it."""
    from urllib.parse import urlsplit

    wrong = {}
    for owner, link in (owner_links or {}).items():
        parts = urlsplit(str(link))
        if not (parts.path if parts.scheme == "mailto" else parts.scheme and parts.netloc):
            wrong[owner] = link
    if wrong:
        raise DagDefinitionError(
            f"DAG {dag_id!r}: owner_links must be URLs (https://...) or mailto: addresses; not valid: "
            + ", ".join(f"{owner}={link!r}" for owner, link in wrong.items())
        )
    return dict(owner_links or {})
