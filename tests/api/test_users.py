"""Users and roles through ``/auth/fab/v1``: Admin only."""

from __future__ import annotations

import httpx


def test_only_admins_manage_users(api):
    assert api.client(None).get("/auth/fab/v1/users").status_code == 401
    refused = api.client("Op").get("/auth/fab/v1/users")
    assert refused.status_code == 403
    assert "needs role Admin" in refused.json()["detail"]
    listed = api.client("Admin").get("/auth/fab/v1/users").json()
    assert {"admin", "op", "user", "viewer"} <= {u["username"] for u in listed["users"]}
    assert listed["total_entries"] >= 4


def test_admin_creates_changes_and_deletes_a_user(api):
    admin = api.client("Admin")
    name = api.unique("dana")
    created = admin.post("/auth/fab/v1/users", json={
        "username": name, "password": "dana-password", "email": "dana@example.com", "roles": [{"name": "Viewer"}]})
    assert created.status_code == 200, created.text
    assert created.json()["roles"] == [{"name": "Viewer"}]
    assert admin.post("/auth/fab/v1/users", json={
        "username": name, "password": "dana-password", "roles": [{"name": "Viewer"}]}).status_code == 409
    assert admin.post("/auth/fab/v1/users", json={
        "username": api.unique("x"), "password": "short", "roles": [{"name": "Viewer"}]}).status_code == 400
    assert admin.post("/auth/fab/v1/users", json={
        "username": api.unique("x"), "password": "long-enough", "roles": [{"name": "Boss"}]}).status_code == 400

    promoted = admin.patch(f"/auth/fab/v1/users/{name}", json={"roles": [{"name": "Op"}], "last_name": "Ops"})
    assert promoted.status_code == 200 and promoted.json()["roles"] == [{"name": "Op"}]
    token = httpx.post(f"{api.url}/auth/token", json={"username": name, "password": "dana-password"}).json()
    me = httpx.get(f"{api.url}/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"}).json()
    assert me["role"] == "Op"

    assert admin.delete(f"/auth/fab/v1/users/{name}").status_code == 204
    missing = admin.get(f"/auth/fab/v1/users/{name}")
    assert missing.status_code == 404 and name in missing.json()["detail"]


def test_roles_list_what_each_may_do(api):
    roles = {r["name"]: r["permissions"] for r in api.client("Admin").get("/auth/fab/v1/roles").json()["roles"]}
    assert roles["Viewer"] == ["read"]
    assert roles["Admin"] == ["read", "operate", "manage", "administer"]
