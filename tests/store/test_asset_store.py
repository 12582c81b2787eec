"""Assets in the store: references from parsed DAGs, events and the queue they fill, consuming
the queue compare-and-set; on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipstream.sdk import Asset, AssetAlias
from slipstream.store import asset_listings, assets, dag_runs, dags, migrate
from slipstream.store.db import Database

T0 = datetime(2024, 1, 1, tzinfo=UTC)
ORDERS, CUSTOMERS, EXPORT = Asset("s3://shop/orders"), Asset("s3://shop/customers"), Asset("s3://export/1")


def _dag(dag_id: str, condition=None, outlets=()) -> dict:
    return {
        "dag_id": dag_id, "fileloc": f"/dags/{dag_id}.py", "schedule": None,
        "asset_condition": None if condition is None else condition.encode(),
        "tasks": [{"task_id": "t", "outlets": [o.encode() for o in outlets]}] if outlets else [],
    }


def _parse(db: Database, *data: dict) -> None:
    with db.write() as session:
        for item in data:
            dags.sync_file(session, item["fileloc"], [(item, item["dag_id"])], [], T0)


def _record(db: Database, *events: dict, when: datetime = T0) -> list[int]:
    with db.write_connection() as connection:
        return assets.record_events(connection, events, ("producer", "run1", "t", -1), when)


def _event(asset: Asset, extra=None, alias: str | None = None) -> dict:
    return {"asset": asset.encode(), "extra": extra or {}, "alias": alias}


def _queue(db: Database) -> dict[str, set[str]]:
    with db.read() as session:
        return {dag_id: {row.uri for row in rows} for dag_id, rows in assets.queued(session).items()}


def check_queue_and_consume(db: Database) -> None:
    _parse(
        db,
        _dag("producer", outlets=[ORDERS]),
        _dag("both", ORDERS & CUSTOMERS),
        _dag("either", ORDERS | CUSTOMERS),
        _dag("paused", ORDERS),
        _dag("via_alias", AssetAlias("exports")),
        _dag("by_ref", Asset.ref(uri="s3://shop/orders")),
    )
    with db.write() as session:
        dags.set_paused(session, "paused", True)
    assert _queue(db) == {}

    _record(db, _event(ORDERS, {"rows": 1}))
    _record(db, _event(ORDERS, {"rows": 2}), when=T0 + timedelta(seconds=1))
    assert _queue(db) == {"both": {"s3://shop/orders"}, "either": {"s3://shop/orders"}, "by_ref": {"s3://shop/orders"}}

    _record(db, _event(EXPORT, {"day": 1}, alias="exports"))
    assert _queue(db)["via_alias"] == {"s3://export/1"}
    with db.read() as session:
        assert assets.alias_targets(session, ["exports", "unknown"]) == {
            "exports": {("s3://export/1", "s3://export/1")}, "unknown": set(),
        }
        queued = assets.queued(session)
        (through_alias,) = assets.events(session, alias="exports")
        newest_first = assets.events(session, name="s3://shop/orders", ascending=False, limit=1)
    assert through_alias["source_aliases"] == ["exports"] and through_alias["extra"] == {"day": 1}
    assert [e["extra"] for e in newest_first] == [{"rows": 2}]

    with db.write() as session:
        run = dag_runs.create(session, dag_id="either", run_id="r1", run_type="asset_triggered", tasks=[], now=T0)
        assert assets.consume(session, "either", queued["either"], run.id) == 2
    with db.read() as session:
        linked = assets.events_of_run(session, run.id)
    assert [e["extra"] for e in linked] == [{"rows": 1}, {"rows": 2}]
    assert linked[0]["source_dag_id"] == "producer" and linked[0]["asset"]["uri"] == "s3://shop/orders"
    assert "either" not in _queue(db)

    # The same rows again: someone consumed them already, and nothing is written.
    with pytest.raises(assets.QueueConsumed), db.write() as session:
        other = dag_runs.create(session, dag_id="either", run_id="r2", run_type="asset_triggered", tasks=[], now=T0)
        assets.consume(session, "either", queued["either"], other.id)
    with db.read() as session:
        assert dag_runs.get(session, "either", "r2") is None

    with db.read() as session:
        listed = {row["name"]: row for row in asset_listings.list_assets(session)}
    assert listed["s3://shop/orders"]["consuming_dags"] == ["both", "by_ref", "either", "paused"]
    assert listed["s3://shop/orders"]["producing_tasks"] == ["producer.t"]
    assert listed["s3://export/1"]["consuming_dags"] == ["via_alias"]

    # A DAG that no longer names an asset stops consuming it.
    _parse(db, _dag("both", CUSTOMERS))
    with db.read() as session:
        listed = {row["name"]: row for row in asset_listings.list_assets(session)}
    assert "both" not in listed["s3://shop/orders"]["consuming_dags"]

    # A DAG whose file no longer defines it neither consumes nor is listed.
    with db.write() as session:
        dags.sync_file(session, "/dags/either.py", [], [], T0)
    _record(db, _event(ORDERS, {"rows": 3}), when=T0 + timedelta(seconds=2))
    assert "either" not in _queue(db)
    with db.read() as session:
        listed = {row["name"]: row for row in asset_listings.list_assets(session)}
    assert listed["s3://shop/orders"]["consuming_dags"] == ["by_ref", "paused"]


def test_queue_and_consume_on_sqlite(db):
    check_queue_and_consume(db)


@pytest.mark.postgres
def test_queue_and_consume_on_postgresql(postgres_url):
    database = Database(postgres_url)
    migrate.migrate(database)
    try:
        check_queue_and_consume(database)
        # Registering an asset that exists already (the parser and a task at once) is harmless.
        with database.write() as session:
            first = assets.asset_id(session, ORDERS.encode(), T0)
            assets._insert_ignore(session, assets.ASSETS, {
                "name": ORDERS.name, "uri": ORDERS.uri, "group": "asset", "extra": {}, "created_at": T0,
            })
            assert assets.asset_id(session, ORDERS.encode(), T0) == first
    finally:
        database.dispose()


def test_a_long_asset_schedule_fits_the_dag_row(db):
    long_uris = [Asset(f"s3://bucket/{'x' * 200}/{i}") for i in range(3)]
    condition = long_uris[0] & long_uris[1] & long_uris[2]
    _parse(db, _dag("long", condition))
    with db.read() as session:
        row = dags.get_dag(session, "long")
    assert len(row.schedule) == 250 and row.schedule.startswith("Asset: s3://bucket/xxx") and row.schedule.endswith("…")
