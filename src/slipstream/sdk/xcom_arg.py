"""XComArg: a reference to a task's future result, passed to other tasks as an argument."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from slipstream.sdk.dependencies import DependencyMixin

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator

RETURN_VALUE = "return_value"


class XComArg(DependencyMixin):
    """The value a task pushes as XCom ``key``; resolved when the downstream task runs."""

    def __init__(self, operator: BaseOperator, key: str = RETURN_VALUE) -> None:
        self.operator = operator
        self.key = key

    def __repr__(self) -> str:
        return f"XComArg(task_id={self.operator.task_id!r}, key={self.key!r})"

    def __getitem__(self, key: str) -> XComArg:
        return XComArg(self.operator, key)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(
            f"The output of task {self.operator.task_id!r} is not known while the DAG file is parsed; "
            "pass it to another task instead of iterating over it"
        )

    def __bool__(self) -> bool:
        raise TypeError(
            f"The output of task {self.operator.task_id!r} has no truth value while the DAG file is parsed; "
            "test it inside a task"
        )

    def upstream_handles(self) -> Sequence[BaseOperator]:
        return [self.operator]

    def downstream_handles(self) -> Sequence[BaseOperator]:
        return [self.operator]

    def resolve(self, context: Mapping[str, Any]) -> Any:
        return context["ti"].xcom_pull(task_ids=self.operator.task_id, key=self.key)


def find_xcom_args(value: Any) -> list[XComArg]:
    """Every XComArg inside a value (lists, tuples, sets and dicts are searched)."""
    if isinstance(value, XComArg):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [arg for item in value for arg in find_xcom_args(item)]
    if isinstance(value, dict):
        return [arg for item in value.values() for arg in find_xcom_args(item)]
    return []
