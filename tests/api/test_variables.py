"""/api/v2/variables: values encrypted at rest, sensitive ones answered as ***, bulk, roles."""

from __future__ import annotations


def test_create_read_patch_delete_a_variable(api):
    op = api.client("Op")
    key = api.unique("bucket")
    created = op.post("/api/v2/variables", json={"key": key, "value": "s3://b", "description": "exports"})
    assert created.status_code == 201, created.text
    assert created.json() == {"key": key, "value": "s3://b", "description": "exports", "is_encrypted": True,
                              "team_name": None}
    assert op.post("/api/v2/variables", json={"key": key, "value": "x"}).status_code == 409
    assert api.client("Viewer").get(f"/api/v2/variables/{key}").json()["value"] == "s3://b"
    patched = op.patch(f"/api/v2/variables/{key}", json={"key": key, "value": {"a": [1, 2]}})
    assert patched.status_code == 200
    assert patched.json()["value"] == '{"a": [1, 2]}' and patched.json()["description"] == "exports"
    masked = op.patch(f"/api/v2/variables/{key}", params={"update_mask": "description"},
                      json={"key": key, "value": "ignored", "description": "new"})
    assert masked.json()["description"] == "new" and masked.json()["value"] == '{"a": [1, 2]}'
    assert op.patch(f"/api/v2/variables/{key}", json={"key": "other", "value": 1}).status_code == 400
    assert op.patch(f"/api/v2/variables/{key}", params={"update_mask": "key"},
                    json={"key": key, "value": 1}).status_code == 400
    assert op.delete(f"/api/v2/variables/{key}").status_code == 204
    assert op.get(f"/api/v2/variables/{key}").status_code == 404
    assert op.delete(f"/api/v2/variables/{key}").status_code == 404
    assert op.patch(f"/api/v2/variables/{key}", json={"key": key, "value": 1}).status_code == 404


def test_sensitive_values_are_hidden(api):
    op = api.client("Op")
    token, config = api.unique("api_token"), api.unique("config")
    op.post("/api/v2/variables", json={"key": token, "value": "very-secret-value"})
    op.post("/api/v2/variables", json={"key": config, "value": {"host": "h", "password": "pw-123456"}})
    assert op.get(f"/api/v2/variables/{token}").json()["value"] == "***"
    assert op.get(f"/api/v2/variables/{config}").json()["value"] == '{"host": "h", "password": "***"}'
    listed = op.get("/api/v2/variables", params={"variable_key_pattern": token}).json()
    assert listed["variables"][0]["value"] == "***"
    from slipstream.services import variables

    assert variables.find_value(api.ctx, token) == "very-secret-value"


def test_list_filters_orders_and_pages(api):
    op = api.client("Op")
    prefix = api.unique("lst")
    for name in ("b", "a", "c"):
        op.post("/api/v2/variables", json={"key": f"{prefix}_{name}", "value": name})
    listed = op.get("/api/v2/variables", params={"variable_key_prefix_pattern": prefix, "order_by": "-key"}).json()
    assert [v["key"] for v in listed["variables"]] == [f"{prefix}_c", f"{prefix}_b", f"{prefix}_a"]
    paged = op.get("/api/v2/variables", params={"variable_key_pattern": prefix.upper(), "order_by": "key",
                                                "limit": 2, "offset": 1}).json()
    assert [v["key"] for v in paged["variables"]] == [f"{prefix}_b", f"{prefix}_c"] and paged["total_entries"] == 3
    assert op.get("/api/v2/variables", params={"order_by": "value"}).status_code == 400


def test_bulk(api):
    op = api.client("Op")
    a, b = api.unique("bulk"), api.unique("bulk")
    body = op.patch("/api/v2/variables", json={"actions": [
        {"action": "create", "entities": [{"key": a, "value": "1"}, {"key": b, "value": 2}]},
        {"action": "update", "entities": [{"key": a, "value": "one"}, {"key": "no_such_var", "value": "x"}]},
        {"action": "delete", "entities": [b]},
    ]}).json()
    assert body["create"] == {"success": [a, b], "errors": []}
    assert body["update"]["success"] == [] and body["update"]["errors"][0]["status_code"] == 404
    assert body["delete"] == {"success": [b], "errors": []}
    assert op.get(f"/api/v2/variables/{a}").json()["value"] == "1"


def test_roles(api):
    assert api.client(None).get("/api/v2/variables").status_code == 401
    assert api.client("Viewer").get("/api/v2/variables").status_code == 200
    assert api.client("User").post("/api/v2/variables", json={"key": api.unique("no"), "value": "x"}).status_code == 403
    assert api.client("Viewer").delete("/api/v2/variables/anything").status_code == 403
