from __future__ import annotations

import pytest

from slipstream.store import pools


def test_default_pool_exists_and_cannot_be_deleted(db):
    with db.read() as session:
        assert pools.slots(session)["default_pool"] == 128
    with pytest.raises(pools.PoolError, match="default_pool cannot be deleted"), db.write() as session:
        pools.delete_pool(session, "default_pool")


def test_set_update_usage_delete(db):
    with db.write() as session:
        pools.set_pool(session, "warehouse", 3, "three queries")
        pools.set_pool(session, "warehouse", 5)
    with db.read() as session:
        (row,) = [u for u in pools.usage(session) if u["pool"] == "warehouse"]
    assert row == {"pool": "warehouse", "slots": 5, "description": "three queries", "occupied": 0, "open": 5}
    with db.write() as session:
        assert pools.delete_pool(session, "warehouse")
        assert not pools.delete_pool(session, "warehouse")


def test_negative_slots_are_refused(db):
    with pytest.raises(pools.PoolError, match="slots must be 0 or more"), db.write() as session:
        pools.set_pool(session, "bad", -3)
