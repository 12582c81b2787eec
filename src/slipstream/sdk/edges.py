"""Edge labels: ``a >> Label("on success") >> b`` links a to b and names the edge.

The label is kept on the DAG (``dag.edge_info``), in the serialized DAG, and ``dags show``
prints it. An ``EdgeModifier`` waits until it has both an upstream and a downstream side; every
edge made through it, from each upstream to each downstream, gets its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slipstream.sdk.dependencies import DependencyMixin


class EdgeModifier(DependencyMixin):
    """Information put on the edges between the tasks on either side of it (its ``label``)."""

    is_edge_modifier = True

    def __init__(self, label: str | None = None) -> None:
        if label is not None and not isinstance(label, str):
            raise TypeError(f"An edge label must be a string, got {type(label).__name__}: {label!r}")
        self.label = label
        self._upstream: list[DependencyMixin] = []
        self._downstream: list[DependencyMixin] = []

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.label!r}>"

    def upstream_handles(self) -> Sequence[Any]:
        raise TypeError("An edge label has no tasks of its own: put it between two tasks, a >> Label('x') >> b")

    downstream_handles = upstream_handles

    def add_upstream_node(self, node: DependencyMixin) -> None:
        self._upstream.append(node)
        for downstream in self._downstream:
            node.set_downstream(downstream, edge_modifier=self)

    def add_downstream_node(self, node: DependencyMixin) -> None:
        self._downstream.append(node)
        for upstream in self._upstream:
            upstream.set_downstream(node, edge_modifier=self)

    def set_downstream(self, other: Any, edge_modifier: Any = None) -> None:
        for node in _nodes(other):
            self.add_downstream_node(node)

    def set_upstream(self, other: Any, edge_modifier: Any = None) -> None:
        for node in _nodes(other):
            self.add_upstream_node(node)


def Label(label: str) -> EdgeModifier:  # noqa: N802 - Airflow's name for it
    """An edge modifier that names the edges it sits on."""
    return EdgeModifier(label)


def _nodes(other: Any) -> list[DependencyMixin]:
    items = list(other) if isinstance(other, (list, tuple, set, frozenset)) else [other]
    for item in items:
        if not isinstance(item, DependencyMixin) or isinstance(item, EdgeModifier):
            raise TypeError(
                f"An edge label can only sit between tasks, task groups and task outputs; got {item!r}"
            )
    return items
