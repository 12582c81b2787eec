"""TaskFlow: ``@task`` turns a function into a task, ``@dag`` turns a function into a DAG."""

from __future__ import annotations

import functools
import inspect
import typing
from collections.abc import Callable, Mapping
from typing import Any

from slipstream.operators.python import PythonOperator
from slipstream.sdk.dag import DAG, dag_context
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.mapping import MappedArgument, expand_input_for, expand_kwargs_input_for, make_mapped
from slipstream.sdk.setup_teardown import (  # setup/teardown: airflow.decorators.setup/teardown
    copy_marks,
    decorated_task_arguments,
    mark_decorated_task,
    setup,  # noqa: F401
    teardown,  # noqa: F401
)
from slipstream.sdk.task_group import TaskGroup, task_group_context
from slipstream.sdk.task_group_decorator import task_group  # noqa: F401 - airflow.decorators.task_group
from slipstream.sdk.xcom_arg import XComArg, find_xcom_args

# Variants of @task that later versions add; named so the error can say what is missing.
_NOT_YET = {
    "docker",
    "kubernetes",
    "pyspark",
}


class DecoratedPythonOperator(PythonOperator):
    """The operator behind ``@task``: calls the function with the resolved arguments."""

    def __init__(self, *, python_callable: Callable[..., Any], multiple_outputs: bool = False, **kwargs: Any) -> None:
        super().__init__(python_callable=python_callable, multiple_outputs=multiple_outputs, **kwargs)

    @property
    def operator_name(self) -> str:
        return "@task"

    def execute(self, context: Mapping[str, Any]) -> Any:
        result = super().execute(context)
        if self.multiple_outputs and result is not None and not isinstance(result, dict):
            raise TypeError(
                f"Task {self.task_id!r} has multiple_outputs=True, so it must return a dict, "
                f"but it returned {type(result).__name__}"
            )
        return result


def _infers_multiple_outputs(function: Callable[..., Any]) -> bool:
    try:
        hints = typing.get_type_hints(function)
    except Exception:  # noqa: BLE001 - an unresolvable annotation means "no"
        return False
    ret = hints.get("return")
    origin = typing.get_origin(ret) or ret
    return origin in (dict, dict) or (isinstance(origin, type) and issubclass(origin, Mapping) and origin is not Any)


def _unique_task_id(task_id: str, dag: DAG | None, group: TaskGroup | None) -> str:
    if dag is None:
        return task_id
    full = group.child_id(task_id) if group is not None else task_id
    if full not in dag.task_dict:
        return task_id
    suffix = 1
    while (group.child_id(f"{task_id}__{suffix}") if group else f"{task_id}__{suffix}") in dag.task_dict:
        suffix += 1
    return f"{task_id}__{suffix}"


class TaskDecorator:
    """A function wrapped by ``@task``; calling it inside a DAG adds a task and returns its output."""

    def __init__(self, function: Callable[..., Any], operator_class: type = DecoratedPythonOperator, **kwargs: Any):
        if not callable(function):
            raise TypeError(f"@task must decorate a function, got {type(function).__name__}")
        self.function = function
        self.operator_class = operator_class
        self.kwargs = kwargs
        functools.update_wrapper(self, function)

    def __call__(self, *args: Any, **kwargs: Any) -> XComArg:
        operator, _ = self._build(args, kwargs)
        return XComArg(operator)

    def _build(
        self, args: tuple[Any, ...], kwargs: dict[str, Any], mapped: tuple[str, ...] = ()
    ) -> tuple[Any, dict[str, Any]]:
        """The operator for one call of the function, and the arguments it was built with."""
        kwargs_for_op = dict(self.kwargs)
        dag = kwargs_for_op.get("dag") or dag_context.current()
        group = kwargs_for_op.get("task_group") or task_group_context.current(dag)
        task_id = _unique_task_id(kwargs_for_op.pop("task_id", self.function.__name__), dag, group)
        if "multiple_outputs" not in kwargs_for_op:
            kwargs_for_op["multiple_outputs"] = _infers_multiple_outputs(self.function)
        try:
            inspect.signature(self.function).bind_partial(*args, **kwargs, **dict.fromkeys(mapped))
        except TypeError as err:
            raise TypeError(f"Task {task_id!r}: {err}") from None
        if self.function.__doc__ and "doc_md" not in kwargs_for_op:
            kwargs_for_op["doc_md"] = inspect.cleandoc(self.function.__doc__)
        kwargs_for_op, fail_run = decorated_task_arguments(self, kwargs_for_op)
        built_with = {
            "task_id": task_id, "python_callable": self.function, "op_args": args, "op_kwargs": kwargs, **kwargs_for_op
        }
        placeholders = {name: MappedArgument(name) for name in mapped}
        operator = self.operator_class(**{**built_with, "op_kwargs": {**kwargs, **placeholders}})
        for arg in find_xcom_args([args, kwargs]):
            operator.set_upstream(arg)
        mark_decorated_task(self, operator, fail_run)
        return operator, built_with

    def override(self, **kwargs: Any) -> TaskDecorator:
        return copy_marks(self, TaskDecorator(self.function, self.operator_class, **{**self.kwargs, **kwargs}))

    def partial(self, **kwargs: Any) -> _PartialTask:
        """Arguments every mapped instance gets; ``.expand(...)`` gives the mapped ones."""
        return _PartialTask(self, kwargs)

    def expand(self, **mapped: Any) -> XComArg:
        """One task instance per item (per combination, with several arguments)."""
        return self.partial().expand(**mapped)

    def expand_kwargs(self, value: Any) -> XComArg:
        """One task instance per dict of arguments."""
        return self.partial().expand_kwargs(value)


class _PartialTask:
    """``@task`` function with constant arguments, waiting for ``expand`` or ``expand_kwargs``."""

    def __init__(self, decorator: TaskDecorator, kwargs: dict[str, Any]) -> None:
        self.decorator = decorator
        self.kwargs = kwargs

    def expand(self, **mapped: Any) -> XComArg:
        label = self.decorator.kwargs.get("task_id", self.decorator.function.__name__)
        expand_input = expand_input_for(label, mapped)
        for name in mapped:
            if name in self.kwargs:
                raise DagDefinitionError(f"Task {label!r}: {name!r} is given to both partial() and expand()")
        operator, built_with = self.decorator._build((), self.kwargs, tuple(mapped))
        make_mapped(operator, built_with, expand_input, mapped_field="op_kwargs")
        return XComArg(operator)

    def expand_kwargs(self, value: Any) -> XComArg:
        label = self.decorator.kwargs.get("task_id", self.decorator.function.__name__)
        expand_input = expand_kwargs_input_for(label, value)
        operator, built_with = self.decorator._build((), self.kwargs)
        make_mapped(operator, built_with, expand_input, mapped_field="op_kwargs")
        return XComArg(operator)


class _TaskDecoratorCollection:
    """``task``: ``@task``, ``@task(...)`` and ``@task.python``."""

    def __call__(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        if python_callable is not None:
            return TaskDecorator(python_callable, **kwargs)
        return lambda function: TaskDecorator(function, **kwargs)

    python = __call__

    def branch(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.branch``: the function returns the task id(s) to follow; the rest are skipped."""
        from slipstream.operators.branching import BranchPythonOperator

        return self._variant(_decorated(BranchPythonOperator, "@task.branch"), python_callable, kwargs)

    def short_circuit(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.short_circuit``: a falsy result skips the tasks below."""
        from slipstream.operators.branching import ShortCircuitOperator

        return self._variant(_decorated(ShortCircuitOperator, "@task.short_circuit"), python_callable, kwargs)

    def sensor(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.sensor``: the function is the poke; it returns a bool or a ``PokeReturnValue``,
        whose ``xcom_value`` becomes the task's output. Sensor arguments (poke_interval, timeout,
        mode, soft_fail, ...) go to the decorator."""
        from slipstream.sensors.python import PythonSensor

        return self._variant(_decorated(PythonSensor, "@task.sensor"), python_callable, kwargs)

    def virtualenv(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.virtualenv``: the function runs in a cached virtual environment with ``requirements``."""
        from slipstream.operators.python_virtualenv import PythonVirtualenvOperator

        return self._variant(_decorated(PythonVirtualenvOperator, "@task.virtualenv"), python_callable, kwargs)

    def external_python(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.external_python(python=...)``: the function runs with an existing interpreter."""
        from slipstream.operators.python_virtualenv import ExternalPythonOperator

        return self._variant(_decorated(ExternalPythonOperator, "@task.external_python"), python_callable, kwargs)

    def branch_virtualenv(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.branch_virtualenv``: a branch whose function runs in a virtual environment."""
        from slipstream.operators.python_virtualenv import BranchPythonVirtualenvOperator

        operator_class = _decorated(BranchPythonVirtualenvOperator, "@task.branch_virtualenv")
        return self._variant(operator_class, python_callable, kwargs)

    def branch_external_python(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.branch_external_python``: a branch whose function runs with an existing interpreter."""
        from slipstream.operators.python_virtualenv import BranchExternalPythonOperator

        operator_class = _decorated(BranchExternalPythonOperator, "@task.branch_external_python")
        return self._variant(operator_class, python_callable, kwargs)

    def bash(self, python_callable: Callable[..., Any] | None = None, **kwargs: Any) -> Any:
        """``@task.bash``: the function returns a bash command, which runs like BashOperator's."""
        from slipstream.operators.bash import DecoratedBashOperator

        return self._variant(DecoratedBashOperator, python_callable, kwargs)

    @staticmethod
    def _variant(operator_class: type, python_callable: Callable[..., Any] | None, kwargs: dict[str, Any]) -> Any:
        if python_callable is not None:
            return TaskDecorator(python_callable, operator_class, **kwargs)
        return lambda function: TaskDecorator(function, operator_class, **kwargs)

    def __getattr__(self, name: str) -> Any:
        if name in _NOT_YET:
            raise AttributeError(f"@task.{name} is not supported by this version of Slipstream yet")
        raise AttributeError(f"@task has no variant {name!r}")


_DECORATED: dict[type, type] = {}


def _decorated(operator_class: type, name: str) -> type:
    """A subclass of ``operator_class`` shown as ``name`` (e.g. ``@task.branch``) in listings."""
    if operator_class not in _DECORATED:
        _DECORATED[operator_class] = type(
            f"Decorated{operator_class.__name__}", (operator_class,), {"operator_name": property(lambda self: name)}
        )
    return _DECORATED[operator_class]


task = _TaskDecoratorCollection()


def dag(dag_id: str | Callable[..., Any] | None = None, **dag_kwargs: Any) -> Any:
    """``@dag(...)``: calling the decorated function builds the DAG and returns it.

    The function's own parameters become params of the DAG, with their defaults.
    """

    def decorator(function: Callable[..., Any]) -> Callable[..., DAG]:
        @functools.wraps(function)
        def factory(*args: Any, **kwargs: Any) -> DAG:
            signature = inspect.signature(function)
            bound = signature.bind_partial(*args, **kwargs)
            bound.apply_defaults()
            params = {**bound.arguments, **(dag_kwargs.get("params") or {})}
            options = {**dag_kwargs, "params": params}
            if function.__doc__ and "doc_md" not in options:
                options["doc_md"] = inspect.cleandoc(function.__doc__)
            options.setdefault("fileloc", inspect.getsourcefile(function) or "")
            with DAG(dag_id if isinstance(dag_id, str) else function.__name__, **options) as new_dag:
                function(*bound.args, **bound.kwargs)
            return new_dag

        return factory

    if callable(dag_id):
        function, dag_id = dag_id, None
        return decorator(function)
    return decorator
