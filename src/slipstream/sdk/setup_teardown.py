"""Setup and teardown tasks, as a DAG file marks them.

A setup creates something the work needs (a cluster, a table); its teardown removes it. The
teardown runs once its upstream tasks are done, even when the work between failed, as long as
one of its setups succeeded (trigger rule ``all_done_setup_success``); the run's state ignores a
teardown's failure unless it was marked ``on_failure_fail_dagrun=True``.

Marking: ``.as_setup()`` and ``.as_teardown(setups=..., on_failure_fail_dagrun=...)`` on an
operator or on a TaskFlow call's output (``SetupTeardownMixin``, ``SetupTeardownOutputMixin``),
``@setup`` and ``@teardown`` on TaskFlow functions. A setup or teardown may also open a block,
``with teardown_task.as_teardown(setups=setup_task):`` or ``with setup_task >> teardown_task:``:
the work created inside it gets the setups upstream of its first tasks and the teardowns
downstream of its last ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.trigger_rule import TriggerRule

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator
    from slipstream.sdk.dag import DAG

__all__ = ["setup", "teardown"]


class SetupTeardownMixin:
    """``is_setup``, ``is_teardown``, ``on_failure_fail_dagrun`` and the block form, for operators."""

    task_id: str
    trigger_rule: TriggerRule

    @property
    def is_setup(self) -> bool:
        return self.__dict__.get("_is_setup", False)

    @is_setup.setter
    def is_setup(self, value: bool) -> None:
        if value and self.is_teardown:
            raise DagDefinitionError(
                f"Task {self.task_id!r} is already a teardown, so it cannot be marked as a setup: "
                "a task is either a setup or a teardown"
            )
        self.__dict__["_is_setup"] = bool(value)

    @property
    def is_teardown(self) -> bool:
        return self.__dict__.get("_is_teardown", False)

    @is_teardown.setter
    def is_teardown(self, value: bool) -> None:
        if value and self.is_setup:
            raise DagDefinitionError(
                f"Task {self.task_id!r} is already a setup, so it cannot be marked as a teardown: "
                "a task is either a setup or a teardown"
            )
        self.__dict__["_is_teardown"] = bool(value)

    @property
    def on_failure_fail_dagrun(self) -> bool:
        return self.__dict__.get("_on_failure_fail_dagrun", False)

    @on_failure_fail_dagrun.setter
    def on_failure_fail_dagrun(self, value: bool) -> None:
        if value and not self.is_teardown:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: on_failure_fail_dagrun only applies to teardown tasks; "
                "mark the task with .as_teardown(on_failure_fail_dagrun=True) instead"
            )
        self.__dict__["_on_failure_fail_dagrun"] = bool(value)

    def as_setup(self) -> Any:
        """Mark this task as a setup; returns the task, so ``Op(...).as_setup()`` reads as one line."""
        self.is_setup = True
        return self

    def as_teardown(self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None) -> Any:
        """Mark this task as the teardown of ``setups`` (a task, a task output or a list of them):
        each becomes a setup and is set directly upstream of this task."""
        _make_teardown(self, setups, on_failure_fail_dagrun)  # type: ignore[arg-type]
        return self

    def __enter__(self) -> SetupTeardownScope:
        return _open_scope(self)  # type: ignore[arg-type]

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        _close_scope(failed=exc_type is not None)


class SetupTeardownOutputMixin:
    """The same marks on a task's output (``my_task().as_teardown(...)``), passed to its task."""

    operator: BaseOperator

    @property
    def is_setup(self) -> bool:
        return self.operator.is_setup

    @is_setup.setter
    def is_setup(self, value: bool) -> None:
        self.operator.is_setup = value

    @property
    def is_teardown(self) -> bool:
        return self.operator.is_teardown

    @is_teardown.setter
    def is_teardown(self, value: bool) -> None:
        self.operator.is_teardown = value

    @property
    def on_failure_fail_dagrun(self) -> bool:
        return self.operator.on_failure_fail_dagrun

    @on_failure_fail_dagrun.setter
    def on_failure_fail_dagrun(self, value: bool) -> None:
        self.operator.on_failure_fail_dagrun = value

    def as_setup(self) -> Any:
        self.operator.is_setup = True
        return self

    def as_teardown(self, *, setups: Any = None, on_failure_fail_dagrun: bool | None = None) -> Any:
        _make_teardown(self.operator, setups, on_failure_fail_dagrun)
        return self

    def __enter__(self) -> SetupTeardownScope:
        return _open_scope(self.operator)

    def __exit__(self, exc_type: Any, exc: Any, traceback: Any) -> None:
        _close_scope(failed=exc_type is not None)


def _make_teardown(task: BaseOperator, setups: Any, on_failure_fail_dagrun: bool | None) -> None:
    task.is_teardown = True
    task.trigger_rule = TriggerRule.ALL_DONE_SETUP_SUCCESS
    if on_failure_fail_dagrun is not None:
        task.on_failure_fail_dagrun = on_failure_fail_dagrun
    if setups is None:
        return
    for item in setups if isinstance(setups, (list, tuple, set, frozenset)) else [setups]:
        if not hasattr(item, "as_setup"):
            raise TypeError(
                f"as_teardown(setups=...) of task {task.task_id!r} takes tasks or task outputs, "
                f"got {type(item).__name__}: {item!r}"
            )
        item.is_setup = True
        item >> task


# --- the ``with setup_or_teardown:`` blocks -------------------------------------------------------


class SetupTeardownScope:
    """One open ``with`` block: its setups, its teardowns and the tasks created inside it."""

    def __init__(self, setups: list[BaseOperator], teardowns: list[BaseOperator]) -> None:
        self.setups = setups
        self.teardowns = teardowns
        self.tasks: dict[int, BaseOperator] = {}

    def add_task(self, task: Any) -> None:
        """Put a task made outside the block into it (``with ... as scope: scope.add_task(t)``)."""
        task = getattr(task, "operator", task)
        self.tasks.setdefault(id(task), task)

    def wire(self) -> None:
        """The block's setups upstream of its first work tasks, its teardowns downstream of its last."""
        work = [t for t in self.tasks.values() if not t.is_setup and not t.is_teardown]
        if not work:
            return
        if self.teardowns:
            leaves = [t for t in work if not t.downstream_task_ids] or [work[-1]]
            for leaf in leaves:
                leaf.set_downstream(self.teardowns)
        if self.setups:
            roots = [t for t in work if not t.upstream_task_ids] or [work[0]]
            for root in roots:
                root.set_upstream(self.setups)


_open_scopes: list[SetupTeardownScope] = []


def note_new_task(task: BaseOperator) -> None:
    """Called for every task created: inside a block, the task belongs to the innermost one."""
    if _open_scopes:
        _open_scopes[-1].add_task(task)


def _open_scope(task: BaseOperator) -> SetupTeardownScope:
    if task.is_setup:
        scope = SetupTeardownScope([task], _nearest(task, "downstream_task_ids", "is_teardown"))
    elif task.is_teardown:
        scope = SetupTeardownScope(_nearest(task, "upstream_task_ids", "is_setup"), [task])
    else:
        raise DagDefinitionError(
            f"Task {task.task_id!r} is used as a 'with' block, but only setup and teardown tasks can be: "
            "mark it with .as_setup() or .as_teardown(...) first"
        )
    _open_scopes.append(scope)
    return scope


def _close_scope(failed: bool) -> None:
    scope = _open_scopes.pop()
    if failed:
        return
    scope.wire()
    if _open_scopes:
        # Nested blocks: the outer setups come before the inner ones, the inner teardowns before the outer.
        outer = _open_scopes[-1]
        for inner_setup in scope.setups:
            inner_setup.set_upstream(outer.setups)
        for inner_teardown in scope.teardowns:
            inner_teardown.set_downstream(outer.teardowns)


def _nearest(task: BaseOperator, direction: str, mark: str) -> list[BaseOperator]:
    """The teardowns of a setup (or setups of a teardown): its direct relatives with the mark,
    else the closest ones further away in that direction."""
    dag = task.dag
    if dag is None:
        return []
    level = set(getattr(task, direction))
    seen: set[str] = set()
    while level:
        found = [dag.task_dict[t] for t in sorted(level) if getattr(dag.task_dict[t], mark)]
        if found:
            return found
        seen |= level
        level = {n for t in level for n in getattr(dag.task_dict[t], direction)} - seen
    return []


# --- what the DAG as a whole must respect ---------------------------------------------------------


def check_setups(dag: DAG) -> None:
    """A setup's direct downstream work tasks use ``all_success``, as Airflow requires: clearing
    a task clears its setups, and any other rule would let the work run without them."""
    for task in dag.task_dict.values():
        if not task.is_setup:
            continue
        for down_id in sorted(task.downstream_task_ids):
            down = dag.task_dict[down_id]
            if not down.is_teardown and down.trigger_rule is not TriggerRule.ALL_SUCCESS:
                raise DagDefinitionError(
                    f"DAG {dag.dag_id!r}: task {down_id!r} follows the setup task {task.task_id!r} but has "
                    f"trigger_rule {down.trigger_rule.value!r}; tasks right after a setup must use 'all_success'"
                )


def group_leaves(tasks: Iterable[BaseOperator]) -> list[BaseOperator]:
    """The last tasks of a task group, looking through teardowns: ``group >> next`` puts ``next``
    after the group's work, not after the teardown that ends the group."""
    by_id = {t.task_id: t for t in tasks}

    def has_other_work_after(task: BaseOperator, besides: str) -> bool:
        return any(d in by_id and d != besides and not by_id[d].is_teardown for d in task.downstream_task_ids)

    def before_teardown(teardown: BaseOperator) -> Iterable[BaseOperator]:
        for up_id in sorted(teardown.upstream_task_ids):
            up = by_id.get(up_id)
            if up is None or (teardown.is_teardown and up.is_setup):
                continue
            if up.is_teardown:
                yield from before_teardown(up)
            elif not has_other_work_after(up, besides=teardown.task_id):
                yield up

    found: dict[str, BaseOperator] = {}
    for task in by_id.values():
        if task.downstream_task_ids & by_id.keys():
            continue
        for leaf in before_teardown(task) if task.is_teardown else [task]:
            found.setdefault(leaf.task_id, leaf)
    return list(found.values())


# --- @setup and @teardown -------------------------------------------------------------------------


def setup(function: Callable[..., Any]) -> Any:
    """``@setup``: a TaskFlow function (or ``@task...``-decorated one) whose tasks are setups."""
    decorator = _as_task_decorator(function, "setup")
    decorator.is_setup = True
    return decorator


def teardown(function: Callable[..., Any] | None = None, *, on_failure_fail_dagrun: bool = False) -> Any:
    """``@teardown`` or ``@teardown(on_failure_fail_dagrun=True)``: its tasks are teardowns."""

    def mark(function: Callable[..., Any]) -> Any:
        decorator = _as_task_decorator(function, "teardown")
        decorator.is_teardown = True
        decorator.on_failure_fail_dagrun = on_failure_fail_dagrun
        return decorator

    return mark if function is None else mark(function)


def _as_task_decorator(function: Any, name: str) -> Any:
    from slipstream.sdk.decorators import TaskDecorator
    from slipstream.sdk.task_group_decorator import TaskGroupFunction

    if isinstance(function, TaskGroupFunction):
        raise DagDefinitionError(f"@{name} cannot mark a task group ({function.function.__name__}): only tasks")
    if isinstance(function, TaskDecorator):
        return function
    if callable(function):
        return TaskDecorator(function)
    raise TypeError(f"@{name} decorates a function, got {type(function).__name__}: {function!r}")


def decorated_task_arguments(decorator: Any, kwargs: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The operator arguments of a ``@teardown`` task (its trigger rule is fixed) and its
    ``on_failure_fail_dagrun``, which is not an operator argument."""
    fail_run = kwargs.pop("on_failure_fail_dagrun", getattr(decorator, "on_failure_fail_dagrun", False))
    if getattr(decorator, "is_teardown", False):
        if "trigger_rule" in kwargs:
            name = getattr(decorator.function, "__name__", "?")
            raise DagDefinitionError(
                f"Task {name!r} is a teardown: its trigger rule is always 'all_done_setup_success' "
                "and cannot be set"
            )
        kwargs["trigger_rule"] = TriggerRule.ALL_DONE_SETUP_SUCCESS
    return kwargs, fail_run


def mark_decorated_task(decorator: Any, operator: BaseOperator, fail_run: bool) -> None:
    """Give the task a ``@setup``/``@teardown`` function made its marks."""
    operator.is_setup = getattr(decorator, "is_setup", False)
    operator.is_teardown = getattr(decorator, "is_teardown", False)
    operator.on_failure_fail_dagrun = fail_run


def copy_marks(source: Any, target: Any) -> Any:
    """``.override(...)`` of a ``@setup``/``@teardown`` function keeps its marks."""
    for name in ("is_setup", "is_teardown", "on_failure_fail_dagrun"):
        if name in source.__dict__:
            setattr(target, name, source.__dict__[name])
    return target
