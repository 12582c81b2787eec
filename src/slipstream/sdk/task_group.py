"""TaskGroup: a named box of tasks whose ids get the group's prefix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from slipstream.sdk.dag import dag_context
from slipstream.sdk.dependencies import DependencyMixin
from slipstream.sdk.exceptions import DagDefinitionError, DuplicateTaskIdFound
from slipstream.sdk.ids import validate_group_key

if TYPE_CHECKING:
    from slipstream.sdk.baseoperator import BaseOperator
    from slipstream.sdk.dag import DAG


class _TaskGroupContext:
    def __init__(self) -> None:
        self.stack: list[TaskGroup] = []

    def current(self, dag: DAG | None) -> TaskGroup | None:
        for group in reversed(self.stack):
            if dag is None or group.dag is dag:
                return group
        return dag.task_group if dag is not None else None


task_group_context = _TaskGroupContext()


class TaskGroup(DependencyMixin):
    """Tasks created inside ``with TaskGroup("name"):`` get ids like ``name.task``."""

    def __init__(
        self,
        group_id: str | None,
        prefix_group_id: bool = True,
        parent_group: TaskGroup | None = None,
        dag: DAG | None = None,
        default_args: dict[str, Any] | None = None,
        tooltip: str = "",
        ui_color: str = "CornflowerBlue",
        ui_fgcolor: str = "#000",
        add_suffix_on_collision: bool = False,
        group_display_name: str | None = None,
    ) -> None:
        self.children: dict[str, BaseOperator | TaskGroup] = {}
        self.prefix_group_id = prefix_group_id
        self.default_args = dict(default_args or {})
        self.tooltip = tooltip
        self.ui_color, self.ui_fgcolor = ui_color, ui_fgcolor
        if group_id is None:
            if parent_group is not None:
                raise DagDefinitionError("Only the root task group may have no group_id")
            self.parent_group = None
            self.dag = dag
            self._group_id = None
            self.group_display_name = ""
            return
        validate_group_key(group_id)
        parent_group = parent_group or task_group_context.current(dag or dag_context.current())
        if parent_group is None:
            raise DagDefinitionError(
                f"TaskGroup {group_id!r} is not inside a DAG: create it in a 'with DAG(...)' block or pass dag="
            )
        self.parent_group = parent_group
        self.dag = parent_group.dag
        self.default_args = {**parent_group.default_args, **self.default_args}
        self._group_id = group_id
        label = group_id
        if parent_group.child_id(label) in parent_group.children:
            if not add_suffix_on_collision:
                raise DuplicateTaskIdFound(f"Task group id {self.group_id!r} has already been added to the DAG")
            suffix = 1
            while parent_group.child_id(f"{group_id}__{suffix}") in parent_group.children:
                suffix += 1
            self._group_id = f"{group_id}__{suffix}"
        self.group_display_name = group_display_name or self._group_id
        parent_group.add(self)

    @classmethod
    def root(cls, dag: DAG) -> TaskGroup:
        return cls(None, dag=dag)

    @property
    def group_id(self) -> str | None:
        if self._group_id is None:
            return None
        parent = self.parent_group
        if parent is not None and parent.group_id and parent.prefix_group_id:
            return f"{parent.group_id}.{self._group_id}"
        return self._group_id

    @property
    def label(self) -> str | None:
        return self._group_id

    def child_id(self, label: str) -> str:
        if self.prefix_group_id and self.group_id:
            return f"{self.group_id}.{label}"
        if not self.prefix_group_id and self.parent_group is not None:
            return self.parent_group.child_id(label)
        return label

    def add(self, child: BaseOperator | TaskGroup) -> None:
        key = child.group_id if isinstance(child, TaskGroup) else child.task_id
        if key in self.children:
            raise DuplicateTaskIdFound(f"{key!r} has already been added to task group {self.group_id!r}")
        self.children[key] = child

    def iter_tasks(self) -> list[BaseOperator]:
        tasks: list[BaseOperator] = []
        for child in self.children.values():
            tasks.extend(child.iter_tasks() if isinstance(child, TaskGroup) else [child])
        return tasks

    def upstream_handles(self) -> Sequence[BaseOperator]:
        tasks = self.iter_tasks()
        ids = {t.task_id for t in tasks}
        return [t for t in tasks if not (t.upstream_task_ids & ids)]

    def downstream_handles(self) -> Sequence[BaseOperator]:
        from slipstream.sdk.setup_teardown import group_leaves

        return group_leaves(self.iter_tasks())

    def __enter__(self) -> TaskGroup:
        task_group_context.stack.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        task_group_context.stack.pop()

    def __repr__(self) -> str:
        return f"<TaskGroup: {self.group_id}>"

    def serialize(self) -> dict[str, Any]:
        return {
            "group_id": self.group_id,
            "tooltip": self.tooltip,
            "display_name": self.group_display_name,
            "children": [
                {"group": c.serialize()} if isinstance(c, TaskGroup) else {"task": c.task_id}
                for c in self.children.values()
            ],
        }
