"""One instance of a mapped task: its operator rebuilt with its item, and the name it shows."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from slipstream.sdk.mapping import unmap

log = logging.getLogger("slipstream.runner")


def unmapped_instance(task: Any, context: Mapping[str, Any], map_index: int) -> Any:
    """The operator instance ``map_index`` runs: the item's values read from the inputs now."""
    if map_index < 0:
        raise RuntimeError(
            f"Task {task.task_id!r} is mapped but this instance was never expanded (map_index {map_index})"
        )
    if task.mapped_group is not None:
        return task  # its arguments read this instance's values when they are rendered
    values = task.expand_input.resolve(context, map_index)
    return unmap(task, values)


def render_map_index(task: Any, context: Mapping[str, Any], map_index: int) -> str | None:
    """The instance's name from its ``map_index_template`` (rendered after it ran, so the task
    may add to the context); None without a template. A template that fails is reported in the
    log and leaves the instance shown by its number."""
    template = getattr(task, "map_index_template", None)
    if not template:
        return None
    from slipstream.sdk.templating import dag_environment

    try:
        return str(dag_environment(task.dag).from_string(template).render(**context))
    except Exception as err:  # noqa: BLE001 - a naming problem must not change the try's outcome
        log.warning(
            "map_index_template of task %r could not be rendered for map_index %s: %s", task.task_id, map_index, err
        )
        return None
