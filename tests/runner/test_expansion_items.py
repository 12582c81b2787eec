"""StoredItems over a real SQLite store: a mapped instance reads its own item, not the whole list."""

from __future__ import annotations

import pytest

from slipstream.runner.direct_store import DirectTryStore
from slipstream.runner.expansion_items import stored_items
from slipstream.store import xcoms
from slipstream.store.clock import utcnow


def _push(db, value: object) -> None:
    with db.write_connection() as connection:
        xcoms.push(
            connection, dag_run_id=1, dag_id="d", run_id="r", task_id="make", map_index=-1, key="return_value",
            value=value, now=utcnow(),
        )


class CountingStore(DirectTryStore):
    def __init__(self, db) -> None:
        super().__init__(db)
        self.calls: list[int | None] = []

    def xcom_items(self, **kwargs):
        self.calls.append(kwargs["index"])
        return super().xcom_items(**kwargs)


def _items(store, first: int = 0):
    return stored_items(store, dag_id="d", run_id="r", task_id="make", key="return_value", first=first)


def test_one_call_gives_the_length_and_the_instance_s_own_item(db):
    _push(db, list(range(0, 30000, 3)))
    store = CountingStore(db)
    items = _items(store, first=4321)
    assert len(items) == 10000
    assert items[4321] == 4321 * 3
    assert store.calls == [4321]
    assert items[-1] == 29997 and items[2:4] == [6, 9]
    assert store.calls == [4321, 9999, 2, 3]
    with pytest.raises(IndexError, match="out of range for 10000 items"):
        items[10000]


def test_a_dict_gives_its_pairs_and_a_missing_value_no_items(db):
    store = DirectTryStore(db)
    assert len(_items(store)) == 0
    _push(db, {"a": 1, "b": [2]})
    items = _items(store, first=1)
    assert len(items) == 2 and items[0] == ("a", 1) and items[1] == ("b", [2])


def test_a_value_that_is_not_a_list_or_dict_is_left_to_the_caller(db):
    _push(db, 42)
    assert _items(DirectTryStore(db)) is None


def test_the_value_is_decoded_once_and_again_when_pushed_anew(db, monkeypatch):
    decoded = []
    real = xcoms.value_by_id
    monkeypatch.setattr(xcoms, "value_by_id", lambda session, xcom_id: decoded.append(xcom_id) or real(session, xcom_id))
    _push(db, [1, 2, 3])
    store = DirectTryStore(db)
    assert [_items(store, first=i)[i] for i in range(3)] == [1, 2, 3]
    assert len(decoded) == 1
    _push(db, ["x", "y"])  # the upstream ran again: a new row, a new version
    items = _items(store, first=1)
    assert len(items) == 2 and items[1] == "y"
    assert len(decoded) == 2
