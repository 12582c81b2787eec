"""The DB-API hooks against real databases: SQLite files and the PostgreSQL server on 127.0.0.1."""

from __future__ import annotations

import json
import sqlite3

import pytest

from slipstream.hooks.postgres import PostgresHook
from slipstream.hooks.sql import fetch_all_handler, get_db_hook, split_sql_string
from slipstream.hooks.sqlite import SqliteHook
from slipstream.sdk.exceptions import AirflowException


@pytest.fixture
def sqlite_conn(tmp_path, monkeypatch):
    path = tmp_path / "data.db"
    monkeypatch.setenv("AIRFLOW_CONN_LOCAL_DB", json.dumps({"conn_type": "sqlite", "host": str(path)}))
    return path


@pytest.fixture
def pg_conn(postgres_url, monkeypatch):
    url = postgres_url.replace("postgresql+psycopg://", "postgresql://")
    monkeypatch.setenv("AIRFLOW_CONN_PG", url)
    return url


def test_split_sql_string_keeps_semicolons_in_strings_comments_and_dollar_bodies():
    script = """
    CREATE TABLE t (a text); -- first; still a comment
    INSERT INTO t VALUES ('x;y'), ("q;""r");
    /* a; block */ CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
    SELECT $$;$$;
    ;
    """
    assert split_sql_string(script) == [
        "CREATE TABLE t (a text)",
        "-- first; still a comment\n    INSERT INTO t VALUES ('x;y'), (\"q;\"\"r\")",
        "/* a; block */ CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql",
        "SELECT $$;$$",
    ]


def test_sqlite_hook_runs_statements_and_reads_rows(sqlite_conn):
    hook = SqliteHook(sqlite_conn_id="local_db")
    assert hook.run("CREATE TABLE fruit (name TEXT PRIMARY KEY, qty INT)") is None
    assert hook.insert_rows("fruit", [("apple", 3), ("pear", 5), ("fig", 1)], target_fields=["name", "qty"],
                            commit_every=2) == 3
    assert hook.get_records("SELECT name, qty FROM fruit ORDER BY qty") == [("fig", 1), ("apple", 3), ("pear", 5)]
    assert hook.get_first("SELECT qty FROM fruit WHERE name = ?", parameters=("pear",)) == (5,)
    assert hook.get_first("SELECT qty FROM fruit WHERE name = ?", parameters=("kiwi",)) is None
    hook.insert_rows("fruit", [("apple", 7)], target_fields=["name", "qty"], replace=True)
    assert sqlite3.connect(sqlite_conn).execute("SELECT qty FROM fruit WHERE name='apple'").fetchone() == (7,)


def test_run_returns_the_last_result_or_all_of_them(sqlite_conn):
    hook = SqliteHook("local_db")
    script = "CREATE TABLE n (v INT); INSERT INTO n VALUES (1), (2); SELECT v FROM n ORDER BY v; SELECT count(*) FROM n"
    assert hook.run(script, split_statements=True, handler=fetch_all_handler) == [(2,)]
    hook.run("DROP TABLE n")
    assert hook.run(script, split_statements=True, return_last=False, handler=fetch_all_handler) == [
        None, None, [(1,), (2,)], [(2,)]
    ]
    assert hook.run(["SELECT 1", "SELECT 2"], handler=fetch_all_handler) == [[(1,)], [(2,)]]
    assert [d[0][0] for d in hook.descriptions] == ["1", "2"]
    with pytest.raises(ValueError, match="empty"):
        hook.run([])


def test_a_failed_statement_rolls_back_what_came_before_it_unless_autocommit(sqlite_conn):
    hook = SqliteHook("local_db")
    hook.run("CREATE TABLE t (v INT NOT NULL)")
    with pytest.raises(sqlite3.IntegrityError):
        hook.run(["INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (NULL)"])
    assert hook.get_records("SELECT v FROM t") == []
    with pytest.raises(sqlite3.IntegrityError):
        hook.run(["INSERT INTO t VALUES (1)", "INSERT INTO t VALUES (NULL)"], autocommit=True)
    assert hook.get_records("SELECT v FROM t") == [(1,)]


def test_the_hook_is_chosen_from_the_conn_type(sqlite_conn, monkeypatch):
    assert isinstance(get_db_hook("local_db"), SqliteHook)
    monkeypatch.setenv("AIRFLOW_CONN_MY_MYSQL", "mysql://u:p@db:3306/app")
    with pytest.raises(AirflowException, match="conn_type 'mysql', which has no SQL hook.*postgres, sqlite"):
        get_db_hook("my_mysql")
    monkeypatch.setenv("AIRFLOW_CONN_NO_FILE", '{"conn_type": "sqlite"}')
    with pytest.raises(AirflowException, match="names no SQLite file: set its host"):
        get_db_hook("no_file").get_records("SELECT 1")


def test_get_pandas_df_says_pandas_is_missing(sqlite_conn):
    try:
        import pandas  # noqa: F401
    except ImportError:
        with pytest.raises(AirflowException, match="needs pandas, which is not installed.*pip install pandas"):
            SqliteHook("local_db").get_pandas_df("SELECT 1")
    else:
        assert SqliteHook("local_db").get_pandas_df("SELECT 1 AS one")["one"].tolist() == [1]


@pytest.mark.postgres
def test_postgres_hook_against_the_server(pg_conn):
    hook = PostgresHook(postgres_conn_id="pg")
    hook.run("CREATE TABLE kv (k text PRIMARY KEY, v int)")
    hook.insert_rows("kv", [("a", 1), ("b", 2)], target_fields=["k", "v"])
    hook.insert_rows("kv", [("a", 10), ("c", 3)], target_fields=["k", "v"], replace=True, replace_index="k")
    assert hook.get_records("SELECT k, v FROM kv ORDER BY k") == [("a", 10), ("b", 2), ("c", 3)]
    assert hook.get_first("SELECT v FROM kv WHERE k = %(key)s", parameters={"key": "b"}) == (2,)
    script = "CREATE FUNCTION two() RETURNS int AS $$ SELECT 2; $$ LANGUAGE sql; SELECT two()"
    assert hook.run(script, split_statements=True, handler=fetch_all_handler) == [(2,)]
    assert isinstance(get_db_hook("pg"), PostgresHook)


@pytest.mark.postgres
def test_postgres_dict_cursor_and_database_override(pg_conn, monkeypatch):
    database = pg_conn.rsplit("/", 1)[1]
    monkeypatch.setenv("AIRFLOW_CONN_PG_DICT", json.dumps({
        "conn_type": "postgres", "host": "127.0.0.1", "port": 5432, "login": "postgres", "schema": "postgres",
        "extra": {"cursor": "realdictcursor", "application_name": "slipstream-test"},
    }))
    hook = PostgresHook(postgres_conn_id="pg_dict", database=database)
    assert hook.get_first("SELECT current_database() AS db, current_setting('application_name') AS app") == {
        "db": database, "app": "slipstream-test"
    }
    assert hook.get_uri().endswith(f"/{database}?cursor=realdictcursor&application_name=slipstream-test")
