"""``context["task_state_store"]``: small JSON values a task instance keeps across its tries.

A try that submitted a job records its id (``set("job_id", ...)``); a retry of the same task
instance reads it back (``get("job_id")``) and reattaches instead of submitting again. The values
are kept as XComs of the task instance under reserved keys (``__task_state__:<key>``), which a
new try does not remove; ``retention`` is accepted (values last as long as the run does).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

PREFIX = "__task_state__:"


class TaskStateStore:
    """Values of one task instance (this DAG, run, task and map index), kept across its tries."""

    def __init__(self, ti: Any) -> None:
        self._ti = ti

    def _key(self, key: str) -> str:
        if not isinstance(key, str) or not key:
            raise ValueError(f"A task state key must be a non-empty string, got {key!r}")
        return PREFIX + key

    def get(self, key: str, default: Any = None) -> Any:
        """The value last set for ``key`` by any try of this task instance, else ``default``."""
        ti = self._ti
        map_index = ti.map_index if ti.map_index >= 0 else None
        value = ti.xcom_pull(task_ids=ti.task_id, key=self._key(key), map_indexes=map_index)
        return default if value is None else value

    def set(self, key: str, value: Any, *, retention: timedelta | None = None) -> None:
        """Keep ``value`` (anything JSON can hold) under ``key`` for the later tries."""
        try:
            json.dumps(value)
        except (TypeError, ValueError) as err:
            raise TypeError(f"Task state {key!r}: the value must be JSON (str, number, list, dict...): {err}") from None
        self._ti.xcom_push(self._key(key), value)

    def delete(self, key: str) -> None:
        """Forget ``key``: ``get`` gives the default again."""
        self._ti.xcom_push(self._key(key), None)

    async def aget(self, key: str, default: Any = None) -> Any:
        """``get`` for ``async def`` tasks."""
        return self.get(key, default)

    async def aset(self, key: str, value: Any, *, retention: timedelta | None = None) -> None:
        """``set`` for ``async def`` tasks."""
        self.set(key, value, retention=retention)

    async def adelete(self, key: str) -> None:
        """``delete`` for ``async def`` tasks."""
        self.delete(key)
