"""The outputs of a mapped task, read a page at a time in map-index order."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from slipstream.runner.try_store import TryStore

PAGE = 1000


class LazyXComSequence(Sequence[Any]):
    """What a downstream task gets for a mapped task's output: ``len``, indexing and iteration
    query the store as they go, so 100,000 results never sit in memory at once."""

    def __init__(self, store: TryStore, *, dag_id: str, run_id: str, task_id: str, key: str, page: int = PAGE) -> None:
        self._store = store
        self._where = {"dag_id": dag_id, "run_id": run_id, "task_id": task_id, "name": key}
        self._page_size = page
        self._length: int | None = None
        self._page_start = -1
        self._page: list[Any] = []

    def __repr__(self) -> str:
        return f"LazyXComSequence(task_id={self._where['task_id']!r}, key={self._where['name']!r}, {len(self)} items)"

    def __str__(self) -> str:
        """Printed or rendered in a template, the values as a list would show them (Airflow's
        ``xcom_pull`` returns a list there)."""
        return str(list(self))

    def __len__(self) -> int:
        if self._length is None:
            self._length = self._store.xcom_count(**self._where)
        return self._length

    def _load(self, start: int) -> None:
        self._page = self._store.xcom_page(**self._where, offset=start, limit=self._page_size)
        self._page_start = start

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} mapped results")
        if not self._page_start <= index < self._page_start + len(self._page):
            self._load(index - index % self._page_size)
        return self._page[index - self._page_start]

    def __iter__(self) -> Iterator[Any]:
        start = 0
        while True:
            page = self._store.xcom_page(**self._where, offset=start, limit=self._page_size)
            yield from page
            if len(page) < self._page_size:
                return
            start += self._page_size

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]
