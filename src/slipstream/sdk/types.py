"""Types a DAG file names in annotations: ``TaskInstance`` and ``DagRun``.

The objects a running task gets (``context["ti"]``, ``context["dag_run"]``) are built by the
runner, which the authoring side may not import; they derive from these classes, so
``isinstance(context["ti"], TaskInstance)`` holds and annotations read as in Airflow.
"""

from __future__ import annotations

from typing import Any

from slipstream.sdk.state import DagRunType

__all__ = ["NOTSET", "ArgNotSet", "DagRun", "DagRunType", "RuntimeTaskInstance", "TaskInstance"]


class TaskInstance:
    """A try of a task in a run, as the task sees it (``context["ti"]``).

    Slipstream's runtime task instance has ``dag_id``, ``task_id``, ``run_id``, ``map_index``,
    ``try_number``, ``max_tries``, ``task``, ``xcom_push``, ``xcom_pull`` and ``skip``."""

    dag_id: str
    task_id: str
    run_id: str
    map_index: int
    try_number: int

    def xcom_push(self, key: str, value: Any) -> None:
        raise NotImplementedError

    def xcom_pull(self, task_ids: Any = None, key: str = "return_value", **kwargs: Any) -> Any:
        raise NotImplementedError


class DagRun:
    """A run of a DAG, as a task sees it (``context["dag_run"]``)."""

    dag_id: str
    run_id: str
    run_type: str
    conf: dict[str, Any]


# ``airflow.sdk.execution_time.task_runner.RuntimeTaskInstance``, as DAG files annotate with it.
RuntimeTaskInstance = TaskInstance


class ArgNotSet:
    """The type of ``NOTSET``: an argument that was not given (where None is a meaningful value)."""

    _instance: ArgNotSet | None = None

    def __new__(cls) -> ArgNotSet:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOTSET"

    def __bool__(self) -> bool:
        return False

    @staticmethod
    def is_arg_set(value: Any) -> bool:
        return not isinstance(value, ArgNotSet)


NOTSET = ArgNotSet()
