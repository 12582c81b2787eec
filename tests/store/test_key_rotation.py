"""``rotate-fernet-key``'s store side: every encrypted value written again with the first key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text

from slipstream.store import connections, key_rotation, migrate, variables
from slipstream.store.db import Database
from slipstream.store.encryption import Cipher, FernetKeyError


def plant(db: Database, cipher: Cipher) -> None:
    with db.write() as session:
        variables.set_value(session, "api_key", "the key", cipher)
        variables.set_value(session, "bucket", "s3://b", cipher)
        connections.add(session, connections.StoredConnection("pg", "postgres", password="pw", extra='{"a": 1}'), cipher)
        connections.add(session, connections.StoredConnection("plain", "http", host="example.com"), cipher)


def check_rotation(db: Database) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    plant(db, Cipher([old], "old"))
    with db.write() as session:
        rotated = key_rotation.rotate(session, Cipher([new, old], "new,old"))
    assert (rotated.variables, rotated.connections) == (2, 1)
    only_new = Cipher([new], "new")
    with db.read() as session:
        assert variables.get_value(session, "api_key", only_new) == "the key"
        assert variables.get_value(session, "bucket", only_new) == "s3://b"
        pg = connections.get(session, "pg", only_new)
        assert (pg.password, pg.extra) == ("pw", '{"a": 1}')
        assert connections.get(session, "plain", only_new).host == "example.com"
        with pytest.raises(FernetKeyError):
            variables.get_value(session, "api_key", Cipher([old], "old"))
        stored = session.execute(text("SELECT val FROM variable")).scalars().all()
    assert all(Fernet(new.encode()).decrypt(value.encode()) for value in stored)


def test_rotation_on_sqlite(db):
    check_rotation(db)


@pytest.mark.postgres
def test_rotation_on_postgresql(postgres_url):
    db = Database(postgres_url)
    try:
        migrate.migrate(db)
        check_rotation(db)
    finally:
        db.dispose()


def test_a_value_no_key_can_read_changes_nothing(db):
    first, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    plant(db, Cipher([first], "first"))
    with db.write() as session:
        variables.set_value(session, "zzz_foreign", "x", Cipher([other], "other"))
    with pytest.raises(FernetKeyError, match="variable 'zzz_foreign'.*new,old"), db.write() as session:
        key_rotation.rotate(session, Cipher([Fernet.generate_key().decode(), first], "new,first"))
    with db.read() as session:
        assert variables.get_value(session, "api_key", Cipher([first], "first")) == "the key"
