"""Connections in the store: add, get, delete, list, password and extra encrypted at rest."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import inspect, text

from slipstream.store import connections
from slipstream.store.connections import ConnectionExists, StoredConnection
from slipstream.store.encryption import FernetKeyError, cipher_for

WAREHOUSE = StoredConnection(
    conn_id="warehouse", conn_type="postgres", description="the DWH", host="db.example.com", schema="dwh",
    login="etl", password="p@ss-word", port=5432, extra='{"sslmode": "require"}',
)


@pytest.fixture
def cipher(home):
    return cipher_for(home, Fernet.generate_key().decode())


def test_the_migration_creates_the_table(db):
    assert "connection" in inspect(db.engine).get_table_names()


def test_add_get_delete(db, cipher):
    with db.write() as session:
        connections.add(session, WAREHOUSE, cipher)
    with db.read() as session:
        assert connections.get(session, "warehouse", cipher) == WAREHOUSE
        assert connections.get(session, "missing", cipher) is None
    with db.write() as session:
        assert connections.delete(session, "warehouse") == 1
        assert connections.delete(session, "warehouse") == 0


def test_adding_an_existing_conn_id_is_refused(db, cipher):
    with db.write() as session:
        connections.add(session, WAREHOUSE, cipher)
    with db.write() as session, pytest.raises(ConnectionExists, match="warehouse"):
        connections.add(session, WAREHOUSE, cipher)


def test_a_connection_needs_an_id_and_a_type(db, cipher):
    with db.write() as session:
        with pytest.raises(ValueError, match="conn_id"):
            connections.add(session, StoredConnection(conn_id="", conn_type="http"), cipher)
        with pytest.raises(ValueError, match="conn_type"):
            connections.add(session, StoredConnection(conn_id="x", conn_type=""), cipher)


def test_password_and_extra_are_encrypted_at_rest_the_rest_is_not(db, cipher):
    with db.write() as session:
        connections.add(session, WAREHOUSE, cipher)
        connections.add(session, StoredConnection(conn_id="bare", conn_type="http", host="example.com"), cipher)
    with db.read() as session:
        rows = {r.conn_id: r for r in session.execute(text("SELECT * FROM connection"))}
    row = rows["warehouse"]
    assert row.is_encrypted and row.is_extra_encrypted
    assert "p@ss-word" not in row.password and "sslmode" not in row.extra
    assert (row.host, row.login, row.schema, row.port) == ("db.example.com", "etl", "dwh", 5432)
    bare = rows["bare"]
    assert (bare.password, bare.extra, bool(bare.is_encrypted), bool(bare.is_extra_encrypted)) == (None, None, False, False)


def test_list_all_by_conn_id(db, cipher):
    with db.write() as session:
        connections.add(session, StoredConnection(conn_id="zeta", conn_type="http"), cipher)
        connections.add(session, WAREHOUSE, cipher)
    with db.read() as session:
        assert [c.conn_id for c in connections.list_all(session, cipher)] == ["warehouse", "zeta"]


def test_a_wrong_key_is_a_clear_error(db, cipher, home):
    with db.write() as session:
        connections.add(session, WAREHOUSE, cipher)
    other = cipher_for(home, Fernet.generate_key().decode())
    with db.read() as session, pytest.raises(FernetKeyError) as error:
        connections.get(session, "warehouse", other)
    assert "password of connection 'warehouse'" in str(error.value)
    assert "[core] fernet_key" in str(error.value)
