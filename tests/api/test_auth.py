"""Tokens, roles and the answers given without a token."""

from __future__ import annotations

import httpx

from slipstream.services import users


def test_health_and_version_answer_without_a_token(api):
    anonymous = api.client(None)
    health = anonymous.get("/api/v2/monitor/health")
    assert health.status_code == 200
    assert health.json()["metadatabase"] == {"status": "healthy"}
    version = anonymous.get("/api/v2/version")
    assert version.status_code == 200 and version.json()["version"]


def test_token_from_json_and_from_a_form(api):
    for kwargs in ({"json": {"username": "viewer", "password": "correct horse battery"}},
                   {"data": {"username": "viewer", "password": "correct horse battery"}}):
        answer = httpx.post(f"{api.url}/auth/token", **kwargs)
        assert answer.status_code == 201
        token = answer.json()["access_token"]
        me = httpx.get(f"{api.url}/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == "viewer" and me.json()["role"] == "Viewer"


def test_wrong_password_and_unknown_user_get_the_same_401(api):
    wrong = httpx.post(f"{api.url}/auth/token", json={"username": "viewer", "password": "nope-nope"})
    unknown = httpx.post(f"{api.url}/auth/token", json={"username": "nobody", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Invalid username or password"}


def test_a_bad_token_is_refused_with_a_reason(api):
    answer = httpx.get(f"{api.url}/auth/me", headers={"Authorization": "Bearer not-a-token"})
    assert answer.status_code == 401
    assert "not valid" in answer.json()["detail"]
    assert answer.headers["www-authenticate"] == "Bearer"


def test_a_deleted_users_token_stops_working(api):
    name = api.unique("gone")
    users.create_user(api.ctx, username=name, password="password-1", role="Viewer")
    token = httpx.post(f"{api.url}/auth/token", json={"username": name, "password": "password-1"}).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.url}/auth/me", headers=headers).status_code == 200
    users.delete_user(api.ctx, name)
    assert httpx.get(f"{api.url}/auth/me", headers=headers).status_code == 401


def test_cookie_login_needs_the_csrf_header_to_change_anything(api):
    with httpx.Client(base_url=api.url) as browser:
        login = browser.post("/auth/login", json={"username": "admin", "password": "correct horse battery"})
        assert login.status_code == 200
        assert "httponly" in login.headers["set-cookie"].lower()
        csrf = login.json()["csrf_token"]
        assert browser.get("/auth/me").json()["username"] == "admin"
        assert browser.post("/auth/logout").status_code == 204
        assert browser.get("/auth/me").status_code == 401
        assert csrf
