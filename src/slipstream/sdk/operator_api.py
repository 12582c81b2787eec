"""The parts of Airflow's BaseOperator API a DAG file or an operator may call that follow from
what the task already is: its relatives, its names, its hooks around ``execute``, and rendering
a template of its own (``self.render_template(content, context)``).

``OperatorApi`` is a base of ``BaseOperator``; it holds no state of its own.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Collection, Iterable, Mapping
from typing import Any


class TaskArgumentWarning(UserWarning):
    """A task argument Slipstream accepts and keeps but cannot act on (or that Airflow 3 removed)."""


def callbacks_list(value: Any) -> list[Any]:
    """A task callback argument as a list, as Airflow keeps it: none, one callable, or several."""
    if not value:
        return []
    if isinstance(value, Collection) and not isinstance(value, (str, bytes)):
        return list(value)
    return [value]


def warn_unapplied(task: Any, arguments: Mapping[str, Any]) -> None:
    """A Python warning for each argument given that has no effect here, saying why."""
    reasons = {
        "sla": "the SLA feature was removed in Airflow 3.0 (Deadline Alerts replace it); it is ignored",
        "executor": "every task of a Slipstream installation runs on its configured executor ([core] executor)",
        "run_as_user": "tasks run as the user of the worker process; Slipstream does not switch users",
        "resources": "task resources are not reserved nor enforced",
        "executor_config": "executors here take no per-task configuration",
        "wait_for_past_depends_before_skipping": "a task is skipped without waiting for its past task instance",
    }
    for name, value in arguments.items():
        if value not in (None, False, {}):
            warnings.warn(
                f"Task {task.task_id!r}: {name}={value!r} has no effect in Slipstream: {reasons[name]}",
                TaskArgumentWarning,
                stacklevel=_first_frame_outside_slipstream(),
            )


def warn_template_fields_string(task: Any) -> None:
    warnings.warn(
        f"{type(task).__name__}.template_fields is the string {task.template_fields!r}; it should be a list or "
        "tuple of field names. It is taken as a list of that one name.",
        UserWarning,
        stacklevel=_first_frame_outside_slipstream(),
    )


_SLIPSTREAM = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def _first_frame_outside_slipstream() -> int:
    """The stack level of the code that built the task (the DAG file's line), past the
    operator classes' own ``__init__``s."""
    level, frame = 2, sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_SLIPSTREAM):
        level, frame = level + 1, frame.f_back
    return level


class OperatorApi:
    task_id: str
    dag: Any
    upstream_task_ids: set[str]
    downstream_task_ids: set[str]
    template_fields: Any
    template_ext: Any

    # -- names --
    @property
    def dag_id(self) -> str:
        return self.dag.dag_id if self.dag is not None else f"adhoc_{getattr(self, 'owner', 'airflow')}"

    @property
    def task_type(self) -> str:
        return type(self).__name__

    @property
    def node_id(self) -> str:
        return self.task_id

    @property
    def label(self) -> str:
        """The task id without the ids of the task groups it is in."""
        group = getattr(self, "task_group", None)
        prefix = f"{group.group_id}." if group is not None and getattr(group, "group_id", None) else ""
        return self.task_id[len(prefix):] if prefix and self.task_id.startswith(prefix) else self.task_id

    @property
    def inherits_from_empty_operator(self) -> bool:
        from slipstream.operators.empty import EmptyOperator

        return isinstance(self, EmptyOperator)

    @property
    def inherits_from_skipmixin(self) -> bool:
        from slipstream.operators.branching import SkipMixin

        return isinstance(self, SkipMixin)

    # -- the DAG and the relatives --
    def has_dag(self) -> bool:
        return self.dag is not None

    def get_dag(self) -> Any:
        return self.dag

    @property
    def roots(self) -> list[Any]:
        return [self]

    @property
    def leaves(self) -> list[Any]:
        return [self]

    def get_direct_relative_ids(self, upstream: bool = False) -> set[str]:
        return set(self.upstream_task_ids if upstream else self.downstream_task_ids)

    def get_direct_relatives(self, upstream: bool = False) -> list[Any]:
        return self._tasks(sorted(self.get_direct_relative_ids(upstream)))

    def get_flat_relative_ids(self, *, upstream: bool = False) -> set[str]:
        """Every task above (``upstream``) or below this one, however far."""
        if self.dag is None:
            return set()
        seen: set[str] = set()
        stack = list(self.get_direct_relative_ids(upstream))
        while stack:
            task_id = stack.pop()
            if task_id not in seen:
                seen.add(task_id)
                stack.extend(self.dag.task_dict[task_id].get_direct_relative_ids(upstream))
        return seen

    def get_flat_relatives(self, upstream: bool = False) -> list[Any]:
        return self._tasks(sorted(self.get_flat_relative_ids(upstream=upstream)))

    def _tasks(self, task_ids: Iterable[str]) -> list[Any]:
        return [self.dag.task_dict[t] for t in task_ids] if self.dag is not None else []

    # -- callbacks --
    @property
    def has_on_execute_callback(self) -> bool:
        return bool(getattr(self, "on_execute_callback", None))

    @property
    def has_on_success_callback(self) -> bool:
        return bool(getattr(self, "on_success_callback", None))

    @property
    def has_on_failure_callback(self) -> bool:
        return bool(getattr(self, "on_failure_callback", None))

    @property
    def has_on_retry_callback(self) -> bool:
        return bool(getattr(self, "on_retry_callback", None))

    @property
    def has_on_skipped_callback(self) -> bool:
        return bool(getattr(self, "on_skipped_callback", None))

    # -- around execute --
    def pre_execute(self, context: Any) -> None:
        """Override to act right before ``execute`` (after the template fields are rendered and
        after the ``pre_execute`` function given to the task, if any)."""

    def post_execute(self, context: Any, result: Any = None) -> None:
        """Override to act right after ``execute``, with what it returned (after the
        ``post_execute`` function given to the task, if any)."""

    def on_kill(self) -> None:
        """Override to clean up (subprocesses...) when the try is stopped."""

    def dry_run(self) -> None:
        """Log the template fields as they are, without running anything."""
        self.log.info("Dry run")  # type: ignore[attr-defined]
        for field in self.template_fields:
            content = getattr(self, field)
            if content and isinstance(content, str):
                self.log.info("Rendering template for %s", field)  # type: ignore[attr-defined]
                self.log.info(content)  # type: ignore[attr-defined]

    # -- templates --
    def render_template(
        self, content: Any, context: Mapping[str, Any], jinja_env: Any = None, seen_oids: set[int] | None = None
    ) -> Any:
        """``content`` rendered with this task's DAG environment (or ``jinja_env``): a string as a
        template (or a template file, when it ends with one of ``template_ext``); lists, tuples,
        sets and dict values one by one; a task output resolved."""
        from slipstream.sdk.templating import render_value

        env = jinja_env if jinja_env is not None else self.get_template_env()  # type: ignore[attr-defined]
        return render_value(content, context, env, tuple(self.template_ext))

    def prepare_template(self) -> None:
        """Override to change template fields after a template file's content replaced them."""

    def resolve_template_files(self) -> None:
        """Replace each template field naming a template file (by ``template_ext``) with the file's content."""
        if not self.template_ext:
            return
        env = self.get_template_env()  # type: ignore[attr-defined]
        ext = tuple(self.template_ext)
        for field in self.template_fields:
            content = getattr(self, field, None)
            if isinstance(content, str) and content.endswith(ext):
                setattr(self, field, env.loader.get_source(env, content)[0])
        self.prepare_template()
