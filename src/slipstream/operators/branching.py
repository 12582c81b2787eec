"""Branching: a task that decides which of its downstream tasks run; the others are skipped.

The operator only names the task ids to skip (``context["ti"].skip``); the runner writes them
as ``skipped`` in the same transaction as the branch task's own success, and the trigger rules
of the tasks further down do the rest, as in Airflow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from slipstream.operators.python import PythonOperator
from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.exceptions import AirflowException


def _downstream_of(task: BaseOperator) -> set[str]:
    return set(task.downstream_task_ids)


def _descendants_of(task: BaseOperator) -> set[str]:
    assert task.dag is not None
    seen: set[str] = set()
    stack = list(task.downstream_task_ids)
    while stack:
        task_id = stack.pop()
        if task_id not in seen:
            seen.add(task_id)
            stack.extend(task.dag.task_dict[task_id].downstream_task_ids)
    return seen


def followed_task_ids(task: BaseOperator, chosen: str | Iterable[str] | None) -> set[str]:
    """The direct downstream tasks a branch follows; a task group id stands for its first tasks."""
    if chosen is None:
        return set()
    names = [chosen] if isinstance(chosen, str) else list(chosen)
    downstream = _downstream_of(task)
    followed: set[str] = set()
    for name in names:
        if not isinstance(name, str):
            raise AirflowException(
                f"Branch task {task.task_id!r} must return a task id, a list of task ids or None; got {name!r}"
            )
        group = _task_group(task, name)
        targets = {t.task_id for t in group.upstream_handles()} if group is not None else {name}
        wrong = sorted(targets - downstream)
        if wrong:
            raise AirflowException(
                f"Branch task {task.task_id!r} returned {name!r}, which is not directly downstream of it; "
                f"it can follow: {', '.join(sorted(downstream)) or '(no downstream tasks)'}"
            )
        followed |= targets
    return followed


def _task_group(task: BaseOperator, group_id: str) -> Any:
    from slipstream.sdk.task_group import TaskGroup

    assert task.dag is not None
    stack: list[Any] = [task.dag.task_group]
    while stack:
        group = stack.pop()
        if group.group_id == group_id:
            return group
        stack.extend(c for c in group.children.values() if isinstance(c, TaskGroup))
    return None


class SkipMixin:
    """What an operator that skips tasks of its run may call (Airflow's ``SkipMixin``); the tasks
    are written ``skipped`` with this try's success."""

    def skip(self, ti: Any, tasks: Iterable[Any]) -> None:
        """Skip these tasks (operators or task ids) of this run."""
        ti.skip(t if isinstance(t, str) else t.task_id for t in tasks)

    def skip_all_except(self, ti: Any, branch_task_ids: str | Iterable[str] | None) -> None:
        """Skip every task directly downstream of this one except ``branch_task_ids`` (task ids or
        task group ids, which stand for the group's first tasks); None skips them all."""
        task: Any = self
        followed = followed_task_ids(task, branch_task_ids)
        skipped = sorted(_downstream_of(task) - followed)
        task.log.info("Following branch %s; skipping %s", sorted(followed), skipped)
        ti.skip(skipped)


class BranchMixIn(SkipMixin):
    """``do_branch``: follow the chosen branches, skip the other direct downstream tasks."""

    def do_branch(self, context: Mapping[str, Any], branches_to_execute: str | Iterable[str] | None) -> Any:
        self.skip_all_except(context["ti"], branches_to_execute)
        return branches_to_execute


class BaseBranchOperator(BaseOperator, BranchMixIn):
    """Subclass it and implement ``choose_branch(context)``: it returns the task id(s) or task
    group id(s) to follow, or None for none; the other direct downstream tasks are skipped."""

    def choose_branch(self, context: Mapping[str, Any]) -> str | Iterable[str] | None:
        raise NotImplementedError(f"{type(self).__name__} must implement choose_branch(context)")

    def execute(self, context: Mapping[str, Any]) -> Any:
        return self.do_branch(context, self.choose_branch(context))


class BranchPythonOperator(BaseBranchOperator, PythonOperator):
    """Calls ``python_callable``; it returns the task id(s) to follow (or None for none)."""

    ui_color = "#ffefeb"

    def choose_branch(self, context: Mapping[str, Any]) -> Any:
        # The execute that comes after the branch base: PythonOperator's, or a virtualenv one's.
        return super(BaseBranchOperator, self).execute(context)


class ShortCircuitOperator(PythonOperator, SkipMixin):
    """Calls ``python_callable``; when the result is falsy the tasks below it are skipped.

    With ``ignore_downstream_trigger_rules=True`` (the default) every task below is skipped;
    with False only the direct downstream tasks are, and the trigger rules decide the rest.
    """

    def __init__(self, *, ignore_downstream_trigger_rules: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ignore_downstream_trigger_rules = ignore_downstream_trigger_rules

    def execute(self, context: Mapping[str, Any]) -> Any:
        condition = super().execute(context)
        if condition:
            self.log.info("Condition is true: going on")
            return condition
        below = _descendants_of(self) if self.ignore_downstream_trigger_rules else _downstream_of(self)
        assert self.dag is not None
        # A teardown below still runs (it is never skipped by a short circuit).
        skipped = {t for t in below if not getattr(self.dag.task_dict[t], "is_teardown", False)}
        self.log.info("Condition is false: skipping %s", sorted(skipped))
        self.skip(context["ti"], sorted(skipped))
        return condition
