"""``context["task_state_store"]``: keys a task instance keeps across its tries (Airflow 3.3).

A try that submits a job elsewhere writes the job's id here; a retry of the same task instance
reads it back and reconnects instead of submitting again (``ResumableJobMixin``). Values are JSON
values; each call is one store call of the try (over the task process's channel).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from slipstream.runner.try_store import TryStore
from slipstream.sdk.context import NEVER_EXPIRE

# Airflow's ``[state_store] default_retention_days``: a key written without ``retention`` expires after it.
DEFAULT_RETENTION = timedelta(days=30)


class TaskStateStore:
    """get/set/delete/clear of the keys of one task instance (its run, task and map index)."""

    def __init__(self, store: TryStore, dag_run_id: int, key: tuple[str, str, str, int]) -> None:
        self._store = store
        self._dag_run_id = dag_run_id
        self._key = key

    def __repr__(self) -> str:
        dag_id, run_id, task_id, map_index = self._key
        return f"<TaskStateStore {dag_id}.{task_id}[{map_index}] {run_id}>"

    def get(self, key: str, default: Any = None) -> Any:
        """The stored value of ``key``, or ``default`` when there is none (or it expired)."""
        found, value = self._store.task_state_get(dag_run_id=self._dag_run_id, key=self._key, name=key)
        return value if found else default

    def set(self, key: str, value: Any, *, retention: timedelta | None = None) -> None:
        """Write or overwrite ``key``. ``retention``: how long it is kept (``NEVER_EXPIRE``: always;
        None: 30 days, Airflow's default)."""
        if value is None:
            raise ValueError("Cannot set value as None")
        if not isinstance(key, str) or not key:
            raise ValueError(f"task_state_store keys are non-empty strings, got {key!r}")
        try:
            json.dumps(value)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"task_state_store.set({key!r}): the value must be a JSON value (str, int, float, bool, list, dict); "
                f"store a datetime as value.isoformat() ({error})"
            ) from None
        if retention is not None and not isinstance(retention, timedelta):
            raise TypeError(f"task_state_store.set({key!r}): retention must be a timedelta or NEVER_EXPIRE")
        now = datetime.now(tz=UTC)
        if retention is NEVER_EXPIRE or retention == NEVER_EXPIRE:
            expires_at = None
        else:
            expires_at = now + (retention if retention is not None else DEFAULT_RETENTION)
        self._store.task_state_set(dag_run_id=self._dag_run_id, key=self._key, name=key, value=value,
                                   expires_at=expires_at)

    def delete(self, key: str) -> None:
        """Forget ``key``; nothing happens when it is not there."""
        self._store.task_state_delete(dag_run_id=self._dag_run_id, key=self._key, name=key)

    def clear(self) -> None:
        """Forget every key of this task instance."""
        self._store.task_state_clear(dag_run_id=self._dag_run_id, key=self._key)
