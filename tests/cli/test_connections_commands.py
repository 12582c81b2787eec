"""``slipstream connections add | get | list | delete``."""

from __future__ import annotations

import json

from cli_helpers import invoke, invoke_json, no_traceback, run
from sqlalchemy import create_engine, text

URI = "postgresql://etl:p%40ss@db.example.com:5432/dwh?sslmode=require"


def raw_rows(home) -> dict[str, dict]:
    engine = create_engine(f"sqlite:///{home / 'slipstream.db'}")
    with engine.connect() as connection:
        rows = {r.conn_id: dict(r._mapping) for r in connection.execute(text("SELECT * FROM connection"))}
    engine.dispose()
    return rows


def test_add_from_a_uri_and_get(runner, home):
    result = invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    assert result.stdout.startswith("Successfully added conn_id=warehouse : postgres://etl:***@db.example.com")
    assert "p%40ss" not in result.stdout
    (got,) = invoke_json(runner, "connections", "get", "warehouse")
    assert got == {
        "conn_id": "warehouse", "conn_type": "postgres", "description": None, "host": "db.example.com",
        "schema": "dwh", "login": "etl", "password": "p@ss", "port": 5432, "extra": {"sslmode": "require"},
        "uri": "postgres://etl:p%40ss@db.example.com:5432/dwh?sslmode=require",
    }
    row = raw_rows(home)["warehouse"]
    assert "p@ss" not in row["password"] and "sslmode" not in row["extra"]
    assert row["is_encrypted"] and row["is_extra_encrypted"]


def test_add_field_by_field_and_as_json(runner):
    invoke(
        runner, "connections", "add", "api", "--conn-type", "http", "--conn-host", "api.example.com",
        "--conn-login", "me", "--conn-password", "s3cret", "--conn-port", "8443", "--conn-schema", "v1",
        "--conn-extra", '{"timeout": 5}', "--conn-description", "the API",
    )
    (got,) = invoke_json(runner, "connections", "get", "api")
    assert (got["host"], got["login"], got["password"], got["port"], got["schema"], got["extra"], got["description"]) == (
        "api.example.com", "me", "s3cret", 8443, "v1", {"timeout": 5}, "the API",
    )
    invoke(runner, "connections", "add", "cache", "--conn-json", '{"conn_type": "redis", "host": "r", "port": 6379}')
    (got,) = invoke_json(runner, "connections", "get", "cache")
    assert (got["conn_type"], got["host"], got["port"]) == ("redis", "r", 6379)


def test_list_shows_ids_and_types_unless_show_values(runner):
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    invoke(runner, "connections", "add", "plain", "--conn-type", "http", "--conn-host", "h")
    assert invoke_json(runner, "connections", "list") == [
        {"conn_id": "plain", "conn_type": "http"}, {"conn_id": "warehouse", "conn_type": "postgres"}
    ]
    table = invoke(runner, "connections", "list").stdout
    assert "p@ss" not in table and "p%40ss" not in table and "db.example.com" not in table
    assert [r["conn_id"] for r in invoke_json(runner, "connections", "list", "--conn-id", "plain")] == ["plain"]
    rows = invoke_json(runner, "connections", "list", "--show-values")
    assert rows[1]["password"] == "p@ss" and "p%40ss" in rows[1]["uri"] and rows[1]["host"] == "db.example.com"


def test_list_hide_sensitive_masks_password_extra_and_uri(runner):
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    invoke(runner, "connections", "add", "api", "--conn-type", "http", "--conn-host", "h",
           "--conn-extra", '{"token": "t0ken"}')
    invoke(runner, "connections", "add", "plain", "--conn-type", "http", "--conn-host", "h")
    rows = {r["conn_id"]: r for r in invoke_json(runner, "connections", "list", "--show-values", "--hide-sensitive")}
    assert rows["warehouse"]["password"] == "***" and "***" in rows["warehouse"]["uri"]
    assert "p%40ss" not in rows["warehouse"]["uri"] and rows["warehouse"]["host"] == "db.example.com"
    assert rows["api"]["extra"] == "***" and "t0ken" not in rows["api"]["uri"]
    assert rows["plain"]["password"] is None and rows["plain"]["extra"] is None
    result = invoke(runner, "connections", "list", "--hide-sensitive", code=1)
    assert "--hide-sensitive only goes with --show-values" in result.stderr


def test_add_refuses_duplicates_and_bad_input(runner):
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    assert "already exists" in invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI, code=1).stderr
    assert "--conn-type" in invoke(runner, "connections", "add", "x", code=2).stderr
    assert "not several" in invoke(runner, "connections", "add", "x", "--conn-uri", URI, "--conn-host", "h", code=2).stderr
    assert "must be JSON" in invoke(runner, "connections", "add", "x", "--conn-type", "http", "--conn-extra", "{", code=2).stderr
    result = invoke(runner, "connections", "add", "x", "--conn-uri", "not a uri", code=1)
    assert "Invalid connection URI" in result.stderr and no_traceback(result.stderr)


def test_get_reads_the_environment_first(runner, monkeypatch):
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", json.dumps({"conn_type": "postgres", "host": "env-host"}))
    assert invoke_json(runner, "connections", "get", "warehouse")[0]["host"] == "env-host"
    assert invoke_json(runner, "connections", "list", "--show-values")[0]["host"] == "db.example.com"  # the store only


def test_delete_and_unknown_ids(runner):
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    assert invoke(runner, "connections", "delete", "warehouse").stdout == "Successfully deleted connection with conn_id=warehouse\n"
    assert "Did not find" in invoke(runner, "connections", "delete", "warehouse", code=1).stderr
    assert "not found" in invoke(runner, "connections", "get", "warehouse", code=1).stderr


def test_as_real_processes():
    run("connections", "add", "warehouse", "--conn-uri", URI)
    got = json.loads(run("connections", "get", "warehouse", "-o", "json").stdout)
    assert got[0]["password"] == "p@ss"


def test_get_and_delete_color(runner):
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    assert "\x1b[" in invoke(runner, "connections", "get", "warehouse", "--color", "on").stdout
    assert "\x1b[" not in invoke(runner, "connections", "get", "warehouse", "--color", "off").stdout
    out = invoke(runner, "connections", "delete", "warehouse", "--color", "on").stdout
    assert out == "\x1b[32mSuccessfully deleted connection with conn_id=warehouse\x1b[0m\n"
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", URI)
    assert invoke(runner, "connections", "delete", "warehouse").stdout == (
        "Successfully deleted connection with conn_id=warehouse\n")  # auto: not a terminal
