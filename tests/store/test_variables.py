"""Variables in the store: replace, delete, list, values encrypted at rest, and the Fernet key."""

from __future__ import annotations

import os
import stat

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from slipstream.store import variables
from slipstream.store.encryption import KEY_FILE_NAME, Cipher, FernetKeyError, cipher_for, cipher_from_config


@pytest.fixture
def cipher(home):
    return cipher_for(home, Fernet.generate_key().decode())


def raw_rows(db, table):
    with db.read() as session:
        return [dict(r._mapping) for r in session.execute(text(f"SELECT * FROM {table}"))]


def test_the_migration_creates_the_table(db):
    assert "variable" in inspect(db.engine).get_table_names()


def test_set_get_replace_delete(db, cipher):
    with db.write() as session:
        variables.set_value(session, "bucket", "s3://one", cipher, description="where exports go")
    with db.write() as session:
        variables.set_value(session, "bucket", "s3://two", cipher)
    with db.read() as session:
        found = variables.get(session, "bucket", cipher)
        assert variables.get_value(session, "missing", cipher) is None
    assert (found.value, found.description, found.is_encrypted) == ("s3://two", "where exports go", True)
    with db.write() as session:
        assert variables.delete(session, "bucket") == 1
        assert variables.delete(session, "bucket") == 0
        assert variables.get(session, "bucket", cipher) is None


def test_list_all_sorted_with_or_without_values(db, cipher):
    with db.write() as session:
        for key in ("b", "a", "c"):
            variables.set_value(session, key, f"value of {key}", cipher)
    with db.read() as session:
        listed = variables.list_all(session, cipher)
        keys_only = variables.list_all(session, cipher, decrypt=False)
    assert [(v.key, v.value) for v in listed] == [("a", "value of a"), ("b", "value of b"), ("c", "value of c")]
    assert [(v.key, v.value) for v in keys_only] == [("a", None), ("b", None), ("c", None)]


def test_the_value_is_encrypted_at_rest(db, cipher):
    with db.write() as session:
        variables.set_value(session, "token", "plain-secret-value", cipher)
    (row,) = raw_rows(db, "variable")
    assert row["is_encrypted"]
    assert "plain-secret-value" not in row["val"]
    assert cipher.decrypt(row["val"], "it") == "plain-secret-value"


def test_a_wrong_key_is_a_clear_error_naming_the_setting(db, cipher, home):
    with db.write() as session:
        variables.set_value(session, "token", "secret", cipher)
    other = cipher_for(home, Fernet.generate_key().decode())
    with db.read() as session, pytest.raises(FernetKeyError) as error:
        variables.get(session, "token", other)
    assert "variable 'token'" in str(error.value)
    assert "[core] fernet_key" in str(error.value) and "SLIPSTREAM__CORE__FERNET_KEY" in str(error.value)


def test_rotation_reads_with_any_key_and_writes_with_the_first(db, home):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    with db.write() as session:
        variables.set_value(session, "token", "secret", cipher_for(home, old))
    both = cipher_for(home, f"{new},{old}")
    with db.read() as session:
        assert variables.get_value(session, "token", both) == "secret"
    assert Fernet(new.encode()).decrypt(both.encrypt("x").encode()) == b"x"


def test_an_invalid_key_is_refused_clearly(home):
    with pytest.raises(FernetKeyError, match=r"\[core\] fernet_key .* is not valid"):
        cipher_for(home, "not-a-fernet-key")


def test_without_a_configured_key_one_is_generated_once_in_the_home_folder(home, monkeypatch):
    monkeypatch.delenv("SLIPSTREAM__CORE__FERNET_KEY", raising=False)
    first = cipher_from_config(home)
    path = home / KEY_FILE_NAME
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    token = first.encrypt("hello")
    key = path.read_text().strip()
    Fernet(key.encode())  # a valid key
    # another process (no cache) reads the same file and decrypts what the first wrote
    assert Cipher([path.read_text()], "file").decrypt(token, "it") == "hello"
    assert path.read_text().strip() == key


def test_a_configured_key_comes_from_the_environment(home, monkeypatch):
    key = Fernet.generate_key().decode()
    monkeypatch.setenv("AIRFLOW__CORE__FERNET_KEY", key)
    token = cipher_from_config(home).encrypt("hello")
    assert Fernet(key.encode()).decrypt(token.encode()) == b"hello"
    assert not (home / KEY_FILE_NAME).exists()
