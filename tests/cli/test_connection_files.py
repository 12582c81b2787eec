"""``connections export | import | test``."""

from __future__ import annotations

import json
import sqlite3

import yaml
from cli_helpers import invoke, invoke_json


def _add_two(runner):
    invoke(runner, "connections", "add", "warehouse", "--conn-uri", "postgres://etl:s3cret@db.example.com:5432/dwh")
    invoke(runner, "connections", "add", "api", "--conn-type", "http", "--conn-host", "api.example.com",
           "--conn-extra", '{"region": "eu-west-1"}', "--conn-description", "the API")


def test_export_json_yaml_env_and_back(runner, tmp_path):
    _add_two(runner)
    out = invoke(runner, "connections", "export", str(tmp_path / "c.json")).stdout
    assert out == f"Connections successfully exported to {tmp_path / 'c.json'}.\n"
    data = json.loads((tmp_path / "c.json").read_text())
    assert data["warehouse"] == {"conn_type": "postgres", "description": None, "host": "db.example.com",
                                 "login": "etl", "password": "s3cret", "schema": "dwh", "port": 5432, "extra": None}
    assert data["api"]["extra"] == '{"region": "eu-west-1"}'
    invoke(runner, "connections", "export", str(tmp_path / "c.yml"))
    assert yaml.safe_load((tmp_path / "c.yml").read_text()) == data
    invoke(runner, "connections", "export", str(tmp_path / "c.env"))
    env = dict(line.split("=", 1) for line in (tmp_path / "c.env").read_text().splitlines())
    assert env["warehouse"] == "postgres://etl:s3cret@db.example.com:5432/dwh"
    stdout = invoke(runner, "connections", "export", "-", "--file-format", "env", "--serialization-format", "json")
    assert json.loads(dict(line.split("=", 1) for line in stdout.stdout.splitlines())["api"])["host"] == "api.example.com"

    before = invoke_json(runner, "connections", "get", "warehouse")
    for name in ("warehouse", "api"):
        invoke(runner, "connections", "delete", name)
    for source in ("c.json", "c.yml", "c.env"):
        out = invoke(runner, "connections", "import", str(tmp_path / source), "--overwrite").stdout
        assert "warehouse" in out
        assert invoke_json(runner, "connections", "get", "warehouse") == before
    assert invoke_json(runner, "connections", "get", "api")[0]["extra"] == {"region": "eu-west-1"}


def test_import_leaves_existing_ones_unless_overwrite(runner, tmp_path):
    _add_two(runner)
    (tmp_path / "new.json").write_text(json.dumps({
        "warehouse": {"conn_type": "postgres", "host": "other.example.com", "password": "new"},
        "fresh": "http://fresh.example.com",
    }))
    out = invoke(runner, "connections", "import", str(tmp_path / "new.json")).stdout
    assert "Could not import connection warehouse: connection already exists" in out
    assert "Imported connection fresh" in out
    assert invoke_json(runner, "connections", "get", "warehouse")[0]["host"] == "db.example.com"
    out = invoke(runner, "connections", "import", str(tmp_path / "new.json"), "--overwrite").stdout
    assert "Overwrote connection warehouse" in out
    [row] = invoke_json(runner, "connections", "get", "warehouse")
    assert (row["host"], row["password"], row["login"]) == ("other.example.com", "new", None)


def test_import_refuses_bad_files(runner, tmp_path):
    (tmp_path / "c.txt").write_text("{}")
    assert "Unsupported file format 'txt'" in invoke(runner, "connections", "import", str(tmp_path / "c.txt"),
                                                     code=1).stderr
    (tmp_path / "c.json").write_text("[1, 2]")
    assert "object of connections" in invoke(runner, "connections", "import", str(tmp_path / "c.json"), code=1).stderr
    (tmp_path / "c.env").write_text("no equals sign here\n")
    assert "Line 1 is not CONN_ID=URI" in invoke(runner, "connections", "import", str(tmp_path / "c.env"),
                                                 code=1).stderr


def test_connection_test(runner, tmp_path, monkeypatch):
    database = tmp_path / "data.db"
    sqlite3.connect(database).close()
    invoke(runner, "connections", "add", "local_db", "--conn-type", "sqlite", "--conn-host", str(database))
    invoke(runner, "connections", "add", "nowhere", "--conn-type", "sqlite", "--conn-host",
           str(tmp_path / "missing" / "x.db"))
    assert "Testing connections is disabled" in invoke(runner, "connections", "test", "local_db", code=1).stderr
    monkeypatch.setenv("SLIPSTREAM__CORE__TEST_CONNECTION", "Enabled")
    assert "Connection success!" in invoke(runner, "connections", "test", "local_db").stdout
    assert "Connection failed!" in invoke(runner, "connections", "test", "nowhere", code=1).stderr
    assert "not found" in invoke(runner, "connections", "test", "no_such", code=1).stderr.lower()
