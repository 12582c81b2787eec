"""An upstream's list or dict as the input of a mapped task, read one item at a time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slipstream.runner.try_store import TryStore


class StoredItems(Sequence[Any]):
    """The store answers ``len`` and each item, so each of 10,000 instances of a mapped task
    receives its own item rather than the whole list (which made expanding quadratic)."""

    def __init__(self, store: TryStore, where: dict[str, str], length: int, known: dict[int, Any]) -> None:
        self._store = store
        self._where = where
        self._length = length
        self._known = known

    def __repr__(self) -> str:
        return f"StoredItems(task_id={self._where['task_id']!r}, key={self._where['name']!r}, {self._length} items)"

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._length))]
        if index < 0:
            index += self._length
        if not 0 <= index < self._length:
            raise IndexError(f"index {index} out of range for {self._length} items")
        if index not in self._known:
            _, self._known[index] = self._store.xcom_items(**self._where, index=index)
        return self._known[index]


def stored_items(
    store: TryStore, *, dag_id: str, run_id: str, task_id: str, key: str, first: int
) -> StoredItems | None:
    """The items of the value ``task_id`` pushed under ``key``, with item ``first`` read in the
    same call (the one this instance most likely needs); None when the value is neither a list
    nor a dict (the caller pulls it whole and reports that)."""
    where = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "name": key}
    length, item = store.xcom_items(**where, index=first)
    if length < 0:
        return None
    return StoredItems(store, where, length, {first: item} if 0 <= first < length else {})
