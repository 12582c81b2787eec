"""Dynamic task mapping: ``partial()``, ``expand()``, ``expand_kwargs()``.

A mapped task is one operator in the DAG, built while the file is parsed with a placeholder for
each mapped argument. Once its inputs are known the scheduler expands it into one task instance
per item (``map_index`` 0, 1, ...), and the runner of each instance rebuilds the operator with
that item's values (``unmap``), so the operator's own ``__init__`` sees real values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.xcom_arg import XComArg, as_items, find_xcom_args

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator

# Arguments that say which task this is, not what it does: they cannot differ per instance.
NOT_MAPPABLE = frozenset({"task_id", "dag", "task_group", "default_args", "params", "map_index_template"})


class MappedArgument:
    """Stands in for a mapped argument while the DAG file is parsed."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<mapped argument {self.name!r}>"


def _check_source(task_label: str, name: str, value: Any) -> None:
    if isinstance(value, XComArg | list | tuple | dict):
        return
    raise DagDefinitionError(
        f"Task {task_label!r}: expand() argument {name!r} must be a list, a dict or a task's output, "
        f"got {type(value).__name__}: {value!r}"
    )


def _serialize_source(value: Any) -> dict[str, Any]:
    if isinstance(value, XComArg):
        return value.serialize_source()
    return {"literal": len(value)}


def _items(value: Any, context: Mapping[str, Any]) -> Sequence[Any]:
    return value.resolve_items(context) if isinstance(value, XComArg) else as_items(value)


class DictOfListsExpandInput:
    """``expand(a=[...], b=task_output)``: one instance per combination (the cross product)."""

    def __init__(self, value: Mapping[str, Any]) -> None:
        self.value = dict(value)

    @property
    def names(self) -> list[str]:
        return list(self.value)

    def xcom_args(self) -> list[XComArg]:
        return find_xcom_args(list(self.value.values()))

    def serialize(self) -> dict[str, Any]:
        return {"kind": "product", "sources": [_serialize_source(v) for v in self.value.values()]}

    def resolve(self, context: Mapping[str, Any], map_index: int) -> dict[str, Any]:
        """The values of instance ``map_index``: the last argument varies fastest."""
        items = {name: _items(value, context) for name, value in self.value.items()}
        total = 1
        for seq in items.values():
            total *= len(seq)
        if not 0 <= map_index < total:
            raise IndexError(f"map_index {map_index} is out of range: the inputs now give {total} item(s)")
        chosen: dict[str, Any] = {}
        index = map_index
        for name in reversed(self.names):
            seq = items[name]
            chosen[name] = seq[index % len(seq)]
            index //= len(seq)
        return {name: chosen[name] for name in self.names}


class ListOfDictsExpandInput:
    """``expand_kwargs([{...}, {...}])`` or ``expand_kwargs(task_output)``: one instance per dict."""

    def __init__(self, value: Any) -> None:
        self.value = value

    @property
    def names(self) -> list[str]:
        return []

    def xcom_args(self) -> list[XComArg]:
        return find_xcom_args(self.value)

    def serialize(self) -> dict[str, Any]:
        return {"kind": "product", "sources": [_serialize_source(self.value)]}

    def resolve(self, context: Mapping[str, Any], map_index: int) -> dict[str, Any]:
        items = _items(self.value, context)
        if not 0 <= map_index < len(items):
            raise IndexError(f"map_index {map_index} is out of range: the input now gives {len(items)} item(s)")
        item = items[map_index]
        if not isinstance(item, Mapping):
            raise TypeError(f"expand_kwargs() needs a list of dicts, but item {map_index} is {type(item).__name__}")
        return {k: v.resolve(context) if isinstance(v, XComArg) else v for k, v in item.items()}


ExpandInput = DictOfListsExpandInput | ListOfDictsExpandInput


def expand_input_for(task_label: str, mapped: Mapping[str, Any]) -> DictOfListsExpandInput:
    if not mapped:
        raise DagDefinitionError(f"Task {task_label!r}: expand() needs at least one argument to map over")
    for name, value in mapped.items():
        _check_source(task_label, name, value)
    return DictOfListsExpandInput(mapped)


def expand_kwargs_input_for(task_label: str, value: Any) -> ListOfDictsExpandInput:
    if isinstance(value, XComArg):
        return ListOfDictsExpandInput(value)
    if not isinstance(value, list | tuple) or not all(isinstance(item, Mapping) for item in value):
        raise DagDefinitionError(
            f"Task {task_label!r}: expand_kwargs() takes a list of dicts or a task's output, got {value!r}"
        )
    return ListOfDictsExpandInput(list(value))


def _required_arguments(cls: type) -> set[str]:
    """Keyword arguments some ``__init__`` of ``cls`` requires (no default)."""
    from slipstream.sdk.baseoperator import init_parameters

    required = {p.name for p in init_parameters(cls) if p.default is p.empty and p.kind is p.KEYWORD_ONLY}
    return required - {"task_id"}


class OperatorPartial:
    """``SomeOperator.partial(task_id=..., constant=...)``: waits for ``expand`` or ``expand_kwargs``."""

    def __init__(self, operator_class: type[BaseOperator], kwargs: dict[str, Any]) -> None:
        if "task_id" not in kwargs:
            raise TypeError(f"{operator_class.__name__}.partial(): the argument 'task_id' is required")
        unknown = sorted(set(kwargs) - operator_class.accepted_arguments())
        if unknown:
            raise TypeError(
                f"{operator_class.__name__}.partial() (task_id: {kwargs['task_id']}) got unexpected "
                f"argument(s): {', '.join(unknown)}"
            )
        self.operator_class = operator_class
        self.kwargs = kwargs

    def __repr__(self) -> str:
        return f"<OperatorPartial {self.operator_class.__name__} task_id={self.kwargs['task_id']!r}>"

    def expand(self, **mapped: Any) -> BaseOperator:
        label = self.kwargs["task_id"]
        expand_input = expand_input_for(label, mapped)
        accepted = self.operator_class.accepted_arguments()
        for name in mapped:
            if name in NOT_MAPPABLE:
                raise DagDefinitionError(f"Task {label!r}: {name!r} cannot be mapped")
            if name not in accepted:
                raise TypeError(
                    f"{self.operator_class.__name__}.expand() (task_id: {label}) got an unexpected argument {name!r}"
                )
            if name in self.kwargs:
                raise DagDefinitionError(f"Task {label!r}: {name!r} is given to both partial() and expand()")
        placeholders = {name: MappedArgument(name) for name in mapped}
        return self._create(placeholders, expand_input)

    def expand_kwargs(self, value: Any) -> BaseOperator:
        expand_input = expand_kwargs_input_for(self.kwargs["task_id"], value)
        missing = _required_arguments(self.operator_class) - set(self.kwargs)
        return self._create({name: MappedArgument(name) for name in missing}, expand_input)

    def _create(self, placeholders: dict[str, MappedArgument], expand_input: ExpandInput) -> BaseOperator:
        operator = self.operator_class(**self.kwargs, **placeholders)
        make_mapped(operator, self.kwargs, expand_input, mapped_field=None)
        return operator


def make_mapped(
    operator: BaseOperator, partial_kwargs: dict[str, Any], expand_input: ExpandInput, *, mapped_field: str | None
) -> None:
    """Turn a freshly built operator into a mapped one: remember how to rebuild it per instance,
    and make the tasks whose outputs it expands over its upstreams.

    ``mapped_field``: where the mapped values go (``op_kwargs`` for TaskFlow tasks); None means
    they are arguments of the operator itself."""
    operator.expand_input = expand_input
    operator.partial_kwargs = dict(partial_kwargs)
    operator.mapped_field = mapped_field
    for arg in expand_input.xcom_args():
        operator.set_upstream(arg)


def unmap(operator: BaseOperator, values: Mapping[str, Any]) -> BaseOperator:
    """The operator of one mapped instance: built again with the partial and this item's values."""
    kwargs = dict(operator.partial_kwargs)
    field = operator.mapped_field
    if field is not None:
        kwargs[field] = {**(kwargs.get(field) or {}), **values}
    else:
        kwargs.update(values)
    dag = operator.dag
    kwargs["default_args"] = {**(dag.default_args if dag is not None else {}), **(kwargs.get("default_args") or {})}
    kwargs["params"] = operator.params
    kwargs["task_group"] = operator.task_group
    kwargs["dag"] = None
    instance = type(operator)(**kwargs)
    instance.dag = dag
    instance.upstream_task_ids = set(operator.upstream_task_ids)
    instance.downstream_task_ids = set(operator.downstream_task_ids)
    instance.mapped_from = operator
    return instance


def consumers_of(operator: BaseOperator) -> list[tuple[BaseOperator, str]]:
    """Mapped tasks that expand over an output of ``operator``: (task, key of the output)."""
    dag = operator.dag
    if dag is None:
        return []
    return mapped_consumers(dag).get(operator.task_id, [])


def mapped_consumers(dag: Any) -> dict[str, list[tuple[BaseOperator, str]]]:
    """For each task whose output a mapped task expands over, those consumers (and the key).

    Found by one walk over the DAG, kept on it while its tasks stay the same: a zygote finds
    them once, so a task process that checks its output walks nothing."""
    cached = dag.__dict__.get("_mapped_consumers")
    if cached is not None and cached[0] == len(dag.task_dict):
        return cached[1]
    found: dict[str, list[tuple[BaseOperator, str]]] = {}
    for task in dag.tasks:
        expand_input = getattr(task, "expand_input", None)
        if expand_input is None:
            continue
        for arg in expand_input.xcom_args():
            for plain in arg.plain_args():
                found.setdefault(plain.operator.task_id, []).append((task, plain.key))
    dag.__dict__["_mapped_consumers"] = (len(dag.task_dict), found)
    return found


def check_pushed_for_mapping(operator: BaseOperator, pushed: Mapping[str, Any], max_map_length: int) -> None:
    """A task whose output another task expands over must push a list or a dict, of at most
    ``max_map_length`` items: say so here, where the bad value comes from."""
    if operator.is_mapped or operator.mapped_from is not None:
        return  # each instance pushes one item; the consumer counts instances
    for consumer, key in consumers_of(operator):
        value = pushed.get(key)
        if value is None:
            continue
        if not isinstance(value, list | tuple | dict):
            raise TypeError(
                f"Task {operator.task_id!r} returned {type(value).__name__} ({value!r:.80}), but task "
                f"{consumer.task_id!r} expands over it: return a list or a dict"
            )
        if len(value) > max_map_length:
            raise ValueError(
                f"Task {operator.task_id!r} returned {len(value)} items for {consumer.task_id!r} to expand over, "
                f"more than max_map_length ({max_map_length}); raise [core] max_map_length or split the input"
            )
