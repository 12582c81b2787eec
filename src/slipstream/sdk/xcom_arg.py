"""XComArg: a reference to a task's future result, passed to other tasks as an argument."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from itertools import zip_longest
from typing import TYPE_CHECKING, Any

from slipstream.sdk.dependencies import DependencyMixin
from slipstream.sdk.setup_teardown import SetupTeardownOutputMixin

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator

RETURN_VALUE = "return_value"


class _NoFill:
    def __repr__(self) -> str:
        return "NOTSET"


_NO_FILL: Any = _NoFill()


class XComArg(SetupTeardownOutputMixin, DependencyMixin):
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
        ti = context["ti"]
        pull_output = getattr(ti, "pull_output", None)
        if pull_output is not None:
            return pull_output(self.operator.task_id, self.key)
        return ti.xcom_pull(task_ids=self.operator.task_id, key=self.key)

    def resolve_items(self, context: Mapping[str, Any]) -> Sequence[Any]:
        """The items a task mapped over this output expands over: read one at a time where the
        task instance can (``expansion_items``), else pulled whole."""
        read = getattr(context["ti"], "expansion_items", None)
        items = read(self.operator.task_id, self.key) if read is not None else None
        return items if items is not None else as_items(self.resolve(context))

    def serialize_source(self) -> dict[str, Any]:
        """What the scheduler needs to count the items of this output when a task expands over it."""
        return {"xcom": [self.operator.task_id, self.key]}

    def plain_args(self) -> list[XComArg]:
        """The task outputs this value is made from."""
        return [self]

    def zip(self, *others: XComArg, fillvalue: Any = _NO_FILL) -> ZipXComArg:
        """``a.zip(b)``: items paired by position, as many as the shortest (or, with
        ``fillvalue``, the longest) of the outputs."""
        return ZipXComArg([self, *others], fillvalue)

    def map(self, function: Callable[[Any], Any]) -> MapXComArg:
        """``a.map(f)``: each item passed through ``f`` when the downstream task reads it."""
        return MapXComArg(self, function)


class ZipXComArg(XComArg):
    """Several task outputs zipped item by item."""

    def __init__(self, args: Sequence[XComArg], fillvalue: Any = _NO_FILL) -> None:
        for arg in args:
            if not isinstance(arg, XComArg):
                raise TypeError(f"zip() takes task outputs, got {type(arg).__name__}: {arg!r}")
        self.args = list(args)
        self.fillvalue = fillvalue
        self.operator = args[0].operator
        self.key = args[0].key

    def __repr__(self) -> str:
        return f"ZipXComArg({self.args!r})"

    def upstream_handles(self) -> Sequence[BaseOperator]:
        return [op for arg in self.args for op in arg.upstream_handles()]

    downstream_handles = upstream_handles

    def resolve(self, context: Mapping[str, Any]) -> Any:
        values = [as_items(arg.resolve(context)) for arg in self.args]
        if self.fillvalue is _NO_FILL:
            return list(zip(*values, strict=False))
        return list(zip_longest(*values, fillvalue=self.fillvalue))

    def resolve_items(self, context: Mapping[str, Any]) -> Sequence[Any]:
        return as_items(self.resolve(context))

    def serialize_source(self) -> dict[str, Any]:
        return {"zip": [arg.serialize_source() for arg in self.args], "longest": self.fillvalue is not _NO_FILL}

    def plain_args(self) -> list[XComArg]:
        return [plain for arg in self.args for plain in arg.plain_args()]


class MapXComArg(XComArg):
    """A task output whose items go through a function when they are read."""

    def __init__(self, arg: XComArg, function: Callable[[Any], Any]) -> None:
        self.arg = arg
        self.function = function
        self.operator = arg.operator
        self.key = arg.key

    def __repr__(self) -> str:
        return f"MapXComArg({self.arg!r}, {getattr(self.function, '__name__', self.function)!r})"

    def upstream_handles(self) -> Sequence[BaseOperator]:
        return self.arg.upstream_handles()

    downstream_handles = upstream_handles

    def resolve(self, context: Mapping[str, Any]) -> Any:
        return _MappedItems(as_items(self.arg.resolve(context)), self.function)

    def resolve_items(self, context: Mapping[str, Any]) -> Sequence[Any]:
        return _MappedItems(self.arg.resolve_items(context), self.function)

    def serialize_source(self) -> dict[str, Any]:
        return self.arg.serialize_source()

    def plain_args(self) -> list[XComArg]:
        return self.arg.plain_args()


def as_items(value: Any) -> Sequence[Any]:
    """The items a task expands over: a list as it is, a dict as (key, value) pairs."""
    if value is None:
        return []
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return value
    raise TypeError(f"Only a list or a dict can be expanded over, got {type(value).__name__}: {value!r}")


class _MappedItems(Sequence[Any]):
    """A read-only view that applies ``function`` to each item as it is read."""

    def __init__(self, items: Sequence[Any], function: Callable[[Any], Any]) -> None:
        self.items = items
        self.function = function

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self.function(item) for item in self.items[index]]
        return self.function(self.items[index])


def find_xcom_args(value: Any) -> list[XComArg]:
    """Every XComArg inside a value (lists, tuples, sets and dicts are searched)."""
    if isinstance(value, XComArg):
        return [value]
    if isinstance(value, (list, tuple, set, frozenset)):
        return [arg for item in value for arg in find_xcom_args(item)]
    if isinstance(value, dict):
        return [arg for item in value.values() for arg in find_xcom_args(item)]
    return []
