"""/api/v2/connections: passwords never in clear, masked extras, bulk, test, roles."""

from __future__ import annotations

import json

import httpx

from slipstream.api.server import start_in_thread
from slipstream.services.context import ServiceContext


def _body(conn_id: str, **fields) -> dict:
    return {"connection_id": conn_id, "conn_type": "postgres", "host": "db.example.com", "login": "etl",
            "password": "p@ss-word", "port": 5432, "schema": "dwh",
            "extra": json.dumps({"sslmode": "require", "api_token": "tok-123456"}), **fields}


def test_create_read_patch_delete_a_connection(api):
    op = api.client("Op")
    conn_id = api.unique("warehouse")
    created = op.post("/api/v2/connections", json=_body(conn_id, description="the warehouse"))
    assert created.status_code == 201, created.text
    expected = {
        "connection_id": conn_id, "conn_type": "postgres", "description": "the warehouse", "host": "db.example.com",
        "login": "etl", "schema": "dwh", "port": 5432, "password": "***",
        "extra": json.dumps({"sslmode": "require", "api_token": "***"}), "team_name": None,
    }
    assert created.json() == expected
    assert api.client("Viewer").get(f"/api/v2/connections/{conn_id}").json() == expected
    assert op.post("/api/v2/connections", json=_body(conn_id)).status_code == 409
    # Sending back what was read keeps the stored secrets.
    patched = op.patch(f"/api/v2/connections/{conn_id}", json={**expected, "host": "db2.example.com"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["host"] == "db2.example.com"
    from slipstream.services import connections

    stored = connections.get_connection(api.ctx, conn_id, redacted=False)
    assert stored.password == "p@ss-word" and json.loads(stored.extra)["api_token"] == "tok-123456"
    masked = op.patch(f"/api/v2/connections/{conn_id}", params={"update_mask": "login"},
                      json={"connection_id": conn_id, "conn_type": "http", "login": "other"})
    assert masked.json()["login"] == "other" and masked.json()["conn_type"] == "postgres"
    cleared = op.patch(f"/api/v2/connections/{conn_id}", params={"update_mask": "password"},
                       json={"connection_id": conn_id, "conn_type": "postgres", "password": None})
    assert cleared.json()["password"] is None
    assert op.patch(f"/api/v2/connections/{conn_id}", json=_body("other")).status_code == 400
    assert op.delete(f"/api/v2/connections/{conn_id}").status_code == 204
    assert op.get(f"/api/v2/connections/{conn_id}").status_code == 404
    assert op.delete(f"/api/v2/connections/{conn_id}").status_code == 404


def test_bad_bodies(api):
    op = api.client("Op")
    assert op.post("/api/v2/connections", json=_body("bad id!")).status_code == 422
    assert op.post("/api/v2/connections", json=_body(api.unique("c"), extra="[1]")).status_code == 400
    assert op.post("/api/v2/connections", json=_body(api.unique("c"), team_name="t")).status_code == 422
    assert op.post("/api/v2/connections", json={**_body(api.unique("c")), "surprise": 1}).status_code == 422


def test_list_filters_orders_and_pages(api):
    op = api.client("Op")
    prefix = api.unique("lst")
    for name in ("b", "a", "c"):
        op.post("/api/v2/connections", json=_body(f"{prefix}_{name}"))
    listed = op.get("/api/v2/connections", params={"connection_id_pattern": prefix, "order_by": "-connection_id"})
    assert [c["connection_id"] for c in listed.json()["connections"]] == [f"{prefix}_c", f"{prefix}_b", f"{prefix}_a"]
    assert {c["password"] for c in listed.json()["connections"]} == {"***"}
    paged = op.get("/api/v2/connections", params={"connection_id_prefix_pattern": prefix, "order_by": "conn_id",
                                                  "limit": 1, "offset": 2}).json()
    assert [c["connection_id"] for c in paged["connections"]] == [f"{prefix}_c"] and paged["total_entries"] == 3
    assert op.get("/api/v2/connections", params={"order_by": "password"}).status_code == 400


def test_bulk(api):
    op = api.client("Op")
    a, b = api.unique("bulk"), api.unique("bulk")
    body = op.patch("/api/v2/connections", json={"actions": [
        {"action": "create", "entities": [_body(a), _body(b)]},
        {"action": "create", "entities": [_body(a)], "action_on_existence": "skip"},
        {"action": "update", "entities": [{"connection_id": a, "conn_type": "http"}], "update_mask": ["conn_type"]},
        {"action": "delete", "entities": [b, "missing_conn"], "action_on_non_existence": "skip"},
    ]})
    assert body.status_code == 200, body.text
    assert body.json()["create"] == {"success": [a, b], "errors": []}
    assert body.json()["update"] == {"success": [a], "errors": []}
    assert body.json()["delete"] == {"success": [b], "errors": []}
    assert op.get(f"/api/v2/connections/{a}").json()["conn_type"] == "http"


def test_testing_is_refused_unless_enabled(api):
    answer = api.client("Op").post("/api/v2/connections/test", json=_body(api.unique("t")))
    assert answer.status_code == 403 and "test_connection" in answer.json()["detail"]


def test_testing_connects_with_the_hook_of_the_type(api, tmp_path):
    ctx = ServiceContext(settings=api.settings.replace(test_connection="Enabled"), db=api.db)
    server = start_in_thread(ctx)
    try:
        client = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {api.tokens['Op']}"}, timeout=30)
        sqlite = {"connection_id": api.unique("lite"), "conn_type": "sqlite", "host": str(tmp_path / "t.db")}
        assert client.post("/api/v2/connections/test", json=sqlite).json() == {
            "status": True, "message": "Connection successfully tested"}
        refused = client.post("/api/v2/connections/test", json=_body(api.unique("pg"), host="127.0.0.1", port=1))
        assert refused.status_code == 200 and refused.json()["status"] is False
        assert refused.json()["message"]
        other = client.post("/api/v2/connections/test", json={"connection_id": "x", "conn_type": "redis"}).json()
        assert other["status"] is False and "redis" in other["message"]
        # A stored connection: '***' stands for its password, but not towards another host.
        conn_id = api.unique("stored")
        client.post("/api/v2/connections", json=_body(conn_id, host="127.0.0.1", port=1))
        moved = client.post("/api/v2/connections/test", json=_body(conn_id, host="127.0.0.2", password="***"))
        assert moved.status_code == 400 and "password" in moved.json()["detail"]
        client.close()
    finally:
        server.stop()


def test_defaults_and_roles(api):
    answer = api.client("Op").post("/api/v2/connections/defaults")
    assert answer.status_code == 501 and "default connections" in answer.json()["detail"]
    assert api.client(None).get("/api/v2/connections").status_code == 401
    assert api.client("Viewer").get("/api/v2/connections").status_code == 200
    assert api.client("User").post("/api/v2/connections", json=_body(api.unique("no"))).status_code == 403
    assert api.client("User").post("/api/v2/connections/test", json=_body(api.unique("no"))).status_code == 403
