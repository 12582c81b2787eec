"""The graph of a DAG as the UI draws it: tasks nested in their task groups, and the edges between
tasks, read from the serialized DAG (never from the DAG file).

Children of a group come in DAG order: a task at its place in the DAG's topological order, a
group where its first task is. Edges always join two tasks; a UI that collapses a group draws
the edges of the tasks inside it as edges of the group.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipstream.services.context import ServiceContext
from slipstream.services.errors import NotFound
from slipstream.store import dags as dag_store

TASK, GROUP = "task", "group"
SETUP, TEARDOWN = "setup", "teardown"


@dataclass(frozen=True)
class Node:
    """A task (``type`` "task") or a task group ("group", with ``children``)."""

    id: str
    label: str
    type: str
    is_mapped: bool
    operator: str | None = None
    setup_teardown_type: str | None = None
    tooltip: str | None = None
    children: tuple[Node, ...] | None = None

    def walk(self, depth: int = 0, parent: str | None = None) -> Iterator[tuple[Node, int, str | None]]:
        """This node and every node below it, depth first, with its depth and parent group."""
        yield self, depth, parent
        for child in self.children or ():
            yield from child.walk(depth + 1, self.id)

    def task_ids(self) -> Iterator[str]:
        if self.type == TASK:
            yield self.id
        for child in self.children or ():
            yield from child.task_ids()


@dataclass(frozen=True)
class Edge:
    source_id: str
    target_id: str
    label: str | None = None
    is_setup_teardown: bool = False


@dataclass(frozen=True)
class DagStructure:
    dag_id: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]


class _Shapes:
    """The structures built last, by store, DAG and serialized-DAG hash. A UI polls the grid of a
    running DAG every few seconds: reading and decoding the JSON of a 1,000-task DAG (about 1 MB)
    and building its tree each time was a third of the answer's time. A new version of the DAG
    has a new hash, so nothing stale is ever served; the values are immutable."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[tuple[str, str, str], DagStructure] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str, str]) -> DagStructure | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: tuple[str, str, str], value: DagStructure) -> None:
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)


_SHAPES = _Shapes(size=32)


def _not_found(dag_id: str) -> NotFound:
    return NotFound(f"DAG {dag_id!r} not found: no DAG file defines it, or its file failed to load "
                    "(see GET /api/v2/importErrors)")


def dag_structure(ctx: ServiceContext, dag_id: str) -> DagStructure:
    """The DAG's tree and edges from its serialized form (NotFound when the parser never stored one)."""
    with ctx.db.read() as session:
        digest = dag_store.serialized_hashes(session, [dag_id]).get(dag_id)
        if digest is None:
            raise _not_found(dag_id)
        key = (ctx.db.url, dag_id, digest)
        found = _SHAPES.get(key)
        if found is not None:
            return found
        row = dag_store.get_serialized(session, dag_id)
        if row is None:
            raise _not_found(dag_id)
        data = row.data
        digest = row.dag_hash
    found = DagStructure(dag_id=dag_id, nodes=tuple(nodes_of(data)), edges=tuple(edges_of(data)))
    _SHAPES.put((ctx.db.url, dag_id, digest), found)
    return found


def setup_teardown_type(task: Mapping[str, Any]) -> str | None:
    if task.get("is_setup"):
        return SETUP
    if task.get("is_teardown"):
        return TEARDOWN
    return None


def is_mapped(task: Mapping[str, Any]) -> bool:
    """Mapped itself (``expand``) or inside a mapped task group: its instances have map indexes."""
    return task.get("mapped") is not None or task.get("mapped_group") is not None


def nodes_of(data: Mapping[str, Any]) -> list[Node]:
    """The top-level nodes of the DAG, groups holding their children."""
    tasks: Sequence[Mapping[str, Any]] = data["tasks"]
    by_id = {task["task_id"]: task for task in tasks}
    order = {task["task_id"]: i for i, task in enumerate(tasks)}
    mapped_groups = {task["mapped_group"] for task in tasks if task.get("mapped_group")}
    root = data.get("task_group") or {"group_id": None, "children": [{"task": t["task_id"]} for t in tasks]}
    placed: set[str] = set()
    top = _children(root, by_id, order, mapped_groups, placed)
    # A task the group tree does not list (an older serialized form) still shows, at the top level.
    top += [_task_node(by_id[t], None) for t in by_id if t not in placed]
    return sorted(top, key=lambda node: _first_position(node, order))


def _children(group: Mapping[str, Any], by_id: Mapping[str, Mapping[str, Any]], order: Mapping[str, int],
              mapped_groups: set[str], placed: set[str]) -> list[Node]:
    nodes: list[Node] = []
    parent_id = group.get("group_id")
    for child in group.get("children") or ():
        if "task" in child:
            task = by_id.get(child["task"])
            if task is not None:
                placed.add(task["task_id"])
                nodes.append(_task_node(task, parent_id))
            continue
        sub = child["group"]
        members = _children(sub, by_id, order, mapped_groups, placed)
        members.sort(key=lambda node: _first_position(node, order))
        group_id = sub["group_id"]
        nodes.append(Node(
            id=group_id, label=sub.get("display_name") or _short(group_id, parent_id), type=GROUP,
            is_mapped=group_id in mapped_groups, tooltip=sub.get("tooltip") or None, children=tuple(members),
        ))
    return nodes


def _task_node(task: Mapping[str, Any], group_id: str | None) -> Node:
    task_id = task["task_id"]
    display = task.get("task_display_name")
    label = display if display and display != task_id else _short(task_id, group_id)
    return Node(id=task_id, label=label, type=TASK, is_mapped=is_mapped(task), operator=task.get("operator"),
                setup_teardown_type=setup_teardown_type(task))


def _short(node_id: str, group_id: str | None) -> str:
    """``group.name`` shown inside ``group`` as ``name``."""
    if group_id and node_id.startswith(group_id + "."):
        return node_id[len(group_id) + 1:]
    return node_id


def _first_position(node: Node, order: Mapping[str, int]) -> int:
    return min((order[t] for t in node.task_ids() if t in order), default=len(order))


def edges_of(data: Mapping[str, Any]) -> list[Edge]:
    """Every upstream -> downstream pair, with its label (``Label``) and whether it joins a setup
    to its teardown (drawn dashed)."""
    labels = data.get("edge_info") or {}
    tasks = {task["task_id"]: task for task in data["tasks"]}
    edges = []
    for task in data["tasks"]:
        source = task["task_id"]
        for target in task["downstream"]:
            label = (labels.get(source) or {}).get(target, {}).get("label")
            joins = bool(task.get("is_setup") and tasks.get(target, {}).get("is_teardown"))
            edges.append(Edge(source_id=source, target_id=target, label=label, is_setup_teardown=joins))
    return edges
