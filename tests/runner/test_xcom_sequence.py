"""LazyXComSequence over a real SQLite store: a page at a time, in map-index order."""

from __future__ import annotations

import pytest

from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.xcom_sequence import LazyXComSequence
from slipstream.store import xcoms
from slipstream.store.clock import utcnow


def _push(db, values: dict[int, object]) -> None:
    with db.write_connection() as connection:
        for map_index, value in values.items():
            xcoms.push(
                connection, dag_run_id=1, dag_id="d", run_id="r", task_id="mapped", map_index=map_index,
                key="return_value", value=value, now=utcnow(),
            )


class CountingStore(DirectTryStore):
    def __init__(self, db) -> None:
        super().__init__(db)
        self.pages = 0

    def xcom_page(self, **kwargs):
        self.pages += 1
        return super().xcom_page(**kwargs)


def test_len_index_slices_iteration_and_equality(db):
    # pushed out of order, with a placeholder value at -1 that is not an instance's
    _push(db, {i: i * 10 for i in reversed(range(2500))} | {-1: "not mapped"})
    store = CountingStore(db)
    seq = LazyXComSequence(store, dag_id="d", run_id="r", task_id="mapped", key="return_value", page=1000)
    assert len(seq) == 2500
    assert seq[0] == 0 and seq[1999] == 19990 and seq[-1] == 24990
    assert seq[5:8] == [50, 60, 70]
    assert sum(seq) == sum(i * 10 for i in range(2500))
    assert seq == [i * 10 for i in range(2500)]
    assert "2500 items" in repr(seq)
    assert str(seq[:3]) == "[0, 10, 20]" and str(seq).startswith("[0, 10, 20, ") and str(seq).endswith(", 24990]")


def test_iteration_reads_one_page_at_a_time(db):
    _push(db, {i: i for i in range(2100)})
    store = CountingStore(db)
    seq = LazyXComSequence(store, dag_id="d", run_id="r", task_id="mapped", key="return_value", page=1000)
    iterator = iter(seq)
    assert next(iterator) == 0
    assert store.pages == 1
    assert list(iterator)[-1] == 2099
    assert store.pages == 3


def test_empty_and_out_of_range(db):
    seq = LazyXComSequence(DirectTryStore(db), dag_id="d", run_id="r", task_id="mapped", key="return_value")
    assert len(seq) == 0 and list(seq) == []
    with pytest.raises(IndexError, match="out of range for 0 mapped results"):
        seq[0]
