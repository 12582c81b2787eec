"""``@task_group``: a function whose tasks go into a task group, which can also be mapped.

``my_group.expand(x=[1, 2, 3])`` maps the whole group: every task in it becomes a mapped task
with the group's input, and inside the group instance ``i`` of a task follows instance ``i`` of
the tasks it depends on.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.mapping import ExpandInput, expand_input_for, expand_kwargs_input_for
from slipstream.sdk.task_group import TaskGroup
from slipstream.sdk.xcom_arg import XComArg

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator


class GroupMappedArgument(XComArg):
    """An argument of a mapped task group's function: the value of the instance being run."""

    def __init__(self, expand_input: ExpandInput, name: str | None) -> None:
        self.expand_input = expand_input
        self.name = name
        sources = expand_input.xcom_args()
        self.operator = sources[0].operator if sources else None  # type: ignore[assignment]
        self.key = sources[0].key if sources else ""

    def __repr__(self) -> str:
        return f"GroupMappedArgument({self.name!r})"

    def upstream_handles(self) -> Sequence[BaseOperator]:
        return [op for arg in self.expand_input.xcom_args() for op in arg.upstream_handles()]

    downstream_handles = upstream_handles

    def resolve(self, context: Mapping[str, Any]) -> Any:
        values = self.expand_input.resolve(context, context["ti"].map_index)
        return values if self.name is None else values[self.name]

    def plain_args(self) -> list[XComArg]:
        return [plain for arg in self.expand_input.xcom_args() for plain in arg.plain_args()]


class TaskGroupFunction:
    """A function wrapped by ``@task_group``; each call adds a task group to the DAG."""

    def __init__(self, function: Callable[..., Any], **group_kwargs: Any) -> None:
        self.function = function
        self.group_kwargs = group_kwargs
        functools.update_wrapper(self, function)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        group, returned = self._create(args, kwargs)
        return returned if returned is not None else group

    def _create(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[TaskGroup, Any]:
        options = {"group_id": self.function.__name__, **self.group_kwargs}
        group = TaskGroup(options.pop("group_id"), add_suffix_on_collision=True, **options)
        if self.function.__doc__ and not group.tooltip:
            group.tooltip = inspect.cleandoc(self.function.__doc__)
        with group:
            returned = self.function(*args, **kwargs)
        return group, returned

    def override(self, **group_kwargs: Any) -> TaskGroupFunction:
        return TaskGroupFunction(self.function, **{**self.group_kwargs, **group_kwargs})

    def partial(self, **kwargs: Any) -> _PartialTaskGroup:
        return _PartialTaskGroup(self, kwargs)

    def expand(self, **mapped: Any) -> Any:
        return self.partial().expand(**mapped)

    def expand_kwargs(self, value: Any) -> Any:
        return self.partial().expand_kwargs(value)


class _PartialTaskGroup:
    def __init__(self, factory: TaskGroupFunction, kwargs: dict[str, Any]) -> None:
        self.factory = factory
        self.kwargs = kwargs

    def expand(self, **mapped: Any) -> Any:
        label = self.factory.group_kwargs.get("group_id", self.factory.function.__name__)
        expand_input = expand_input_for(label, mapped)
        arguments = {name: GroupMappedArgument(expand_input, name) for name in mapped}
        return self._mapped_group(expand_input, {**self.kwargs, **arguments})

    def expand_kwargs(self, value: Any) -> Any:
        label = self.factory.group_kwargs.get("group_id", self.factory.function.__name__)
        expand_input = expand_kwargs_input_for(label, value)
        parameters = [p for p in inspect.signature(self.factory.function).parameters if p not in self.kwargs]
        arguments = {name: _KeyOf(GroupMappedArgument(expand_input, None), name) for name in parameters}
        return self._mapped_group(expand_input, {**self.kwargs, **arguments})

    def _mapped_group(self, expand_input: ExpandInput, arguments: dict[str, Any]) -> Any:
        group, returned = self.factory._create((), arguments)
        for task in group.iter_tasks():
            if task.is_mapped:
                raise DagDefinitionError(
                    f"Task {task.task_id!r} is expanded inside the mapped task group {group.group_id!r}; "
                    "map the group or the task, not both"
                )
            task.expand_input = expand_input
            task.mapped_group = group.group_id
        return returned if returned is not None else group


class _KeyOf(GroupMappedArgument):
    """One key of the dict an ``expand_kwargs`` group instance gets."""

    def __init__(self, whole: GroupMappedArgument, name: str) -> None:
        super().__init__(whole.expand_input, None)
        self.name = name

    def resolve(self, context: Mapping[str, Any]) -> Any:
        return self.expand_input.resolve(context, context["ti"].map_index).get(self.name)


def task_group(python_callable: Callable[..., Any] | None = None, **group_kwargs: Any) -> Any:
    """``@task_group`` or ``@task_group(group_id=..., tooltip=..., default_args=...)``."""
    if python_callable is not None:
        return TaskGroupFunction(python_callable, **group_kwargs)
    return lambda function: TaskGroupFunction(function, **group_kwargs)
