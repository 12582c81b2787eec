"""``slipstream rotate-fernet-key`` as a user runs it: new key first, rotate, drop the old key."""

from __future__ import annotations

import pytest
from cli_helpers import no_traceback, run
from cryptography.fernet import Fernet


def check_rotation(monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", old)
    run("variables", "set", "api_key", "the secret value")
    run("connections", "add", "pg", "--conn-uri", "postgres://etl:p%40ss@db.example:5432/x?sslmode=require")
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", f"{new},{old}")
    done = run("rotate-fernet-key")
    assert done.stdout.startswith("Re-encrypted 1 variable(s) and 1 connection(s) with the first key of [core] fernet_key")
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", new)
    assert run("variables", "get", "api_key").stdout == "the secret value\n"
    assert "p%40ss" in run("connections", "get", "pg", "-o", "json").stdout
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", old)
    refused = run("variables", "get", "api_key", code=1)
    assert "Cannot decrypt variable 'api_key'" in refused.stderr and no_traceback(refused.stderr)


def test_rotate_on_sqlite(monkeypatch):
    check_rotation(monkeypatch)


@pytest.mark.postgres
def test_rotate_on_postgresql(monkeypatch, postgres_url):
    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", postgres_url)
    check_rotation(monkeypatch)


def test_rotating_without_the_old_key_is_a_clear_error_that_changes_nothing(monkeypatch):
    old = Fernet.generate_key().decode()
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", old)
    run("variables", "set", "api_key", "kept")
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", Fernet.generate_key().decode())
    done = run("rotate-fernet-key", code=1)
    assert "Cannot decrypt variable 'api_key' with any key" in done.stderr and "(new,old)" in done.stderr
    assert no_traceback(done.stderr)
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", old)
    assert run("variables", "get", "api_key").stdout == "kept\n"
