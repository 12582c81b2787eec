"""``>>``, ``<<``, set_upstream and set_downstream, shared by tasks, task groups and task outputs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from slipstream.sdk.exceptions import DagCycleError, DagDefinitionError

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator


class DependencyMixin:
    """Something that can sit on either side of ``>>``."""

    def upstream_handles(self) -> Sequence[BaseOperator]:
        """Tasks that get the edge when something is set upstream of this."""
        raise NotImplementedError

    def downstream_handles(self) -> Sequence[BaseOperator]:
        """Tasks the edge starts from when this is set upstream of something."""
        raise NotImplementedError

    def set_downstream(self, other: Any, edge_modifier: Any = None) -> None:
        """Edges from this to ``other``; an ``edge_modifier`` (a ``Label``) is kept on each edge.

        A ``Label`` in ``other`` waits for its own downstream side (``a >> Label("x") >> b``)."""
        items = _flatten(other)
        targets = [t for item in items if not _is_edge_modifier(item) for t in item.upstream_handles()]
        for item in items:
            if _is_edge_modifier(item):
                item.add_upstream_node(self)
        label = getattr(edge_modifier, "label", None)
        for source in self.downstream_handles():
            for target in targets:
                add_edge(source, target, label)

    def set_upstream(self, other: Any, edge_modifier: Any = None) -> None:
        for item in _flatten(other):
            if _is_edge_modifier(item):
                item.add_downstream_node(self)
            else:
                item.set_downstream(self, edge_modifier)

    def __rshift__(self, other: Any) -> Any:
        self.set_downstream(other)
        return other

    def __lshift__(self, other: Any) -> Any:
        self.set_upstream(other)
        return other

    def __rrshift__(self, other: Any) -> DependencyMixin:
        """``[a, b] >> self``."""
        self.set_upstream(other)
        return self

    def __rlshift__(self, other: Any) -> DependencyMixin:
        """``[a, b] << self``."""
        self.set_downstream(other)
        return self


def _flatten(other: Any) -> list[DependencyMixin]:
    items = list(other) if isinstance(other, (list, tuple, set, frozenset)) else [other]
    for item in items:
        if not isinstance(item, DependencyMixin):
            raise TypeError(
                f"Dependencies can only be set between tasks, task groups and task outputs; "
                f"got {type(item).__name__}: {item!r}"
            )
    return items


def _is_edge_modifier(item: Any) -> bool:
    return getattr(item, "is_edge_modifier", False)


def add_edge(upstream: BaseOperator, downstream: BaseOperator, label: str | None = None) -> None:
    if upstream is downstream:
        raise DagCycleError(
            f"Cycle detected in DAG {getattr(upstream.dag, 'dag_id', None)!r}: "
            f"{upstream.task_id} -> {downstream.task_id} (a task cannot depend on itself)"
        )
    if upstream.dag is None and downstream.dag is not None:
        upstream.attach_to_dag(downstream.dag)
    elif downstream.dag is None and upstream.dag is not None:
        downstream.attach_to_dag(upstream.dag)
    elif upstream.dag is not downstream.dag:
        raise DagDefinitionError(
            f"Tried to set a dependency between {upstream.task_id!r} of DAG {upstream.dag.dag_id!r} "
            f"and {downstream.task_id!r} of DAG {downstream.dag.dag_id!r}: tasks of different DAGs "
            "cannot depend on each other"
        )
    upstream.downstream_task_ids.add(downstream.task_id)
    downstream.upstream_task_ids.add(upstream.task_id)
    if label is not None and upstream.dag is not None:
        upstream.dag.set_edge_info(upstream.task_id, downstream.task_id, {"label": label})


def chain(*elements: Any) -> None:
    """``chain(a, [b, c], d)``: each element upstream of the next; two lists are paired one to one."""
    for left, right in zip(elements, elements[1:], strict=False):
        if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
            if len(left) != len(right):
                raise ValueError(
                    f"chain() can only pair lists of the same length, got {len(left)} and {len(right)}"
                )
            for up, down in zip(left, right, strict=False):
                _flatten(up)[0].set_downstream(down)
        elif isinstance(left, (list, tuple)):
            for up in _flatten(left):
                up.set_downstream(right)
        else:
            _flatten(left)[0].set_downstream(right)


def chain_linear(*elements: Any) -> None:
    """``chain_linear(a, [b, c], [d, e], f)``: every task of each element upstream of every task of
    the next one (``chain`` pairs two lists one to one instead)."""
    if len(elements) < 2:
        raise ValueError(
            "chain_linear() needs at least two elements to link (tasks or lists of tasks); "
            "to link the items of one list, expand it: chain_linear(*tasks)"
        )
    if any(_is_edge_modifier(e) for e in elements):
        raise ValueError("chain_linear() does not take labels: put the Label between two tasks with >>")
    for left, right in zip(elements, elements[1:], strict=False):
        for up in _flatten(left):
            up.set_downstream(right)


def cross_downstream(from_tasks: Iterable[Any], to_tasks: Any) -> None:
    """Every task of ``from_tasks`` upstream of every task of ``to_tasks``."""
    for task in _flatten(list(from_tasks)):
        task.set_downstream(to_tasks)
