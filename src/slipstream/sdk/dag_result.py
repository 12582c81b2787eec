"""``@result`` on top of ``@task``: marks the task whose return value is the DAG run's result.

Slipstream keeps the mark on the decorated function (``returns_dag_result``); it has no API that
reads a run's result yet, so the mark changes nothing about how the run goes."""

from __future__ import annotations

from typing import TypeVar

from slipstream.sdk.decorators import TaskDecorator

T = TypeVar("T")


def result(task_function: T) -> T:
    """Mark a ``@task`` function as returning the DAG's result."""
    if not isinstance(task_function, TaskDecorator):
        raise TypeError("@result must be used on top of a @task-decorated function (@result, then @task)")
    task_function.returns_dag_result = True  # type: ignore[attr-defined]
    return task_function
