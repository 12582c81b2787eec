"""Variables and Connections on the authoring side: URI and JSON forms, environment variables,
the store reached through an installed provider, and the template accessors. No database here:
the provider is a small in-memory one, as the authoring layer must work without the server side.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from slipstream.hooks.base import BaseHook
from slipstream.sdk import secrets
from slipstream.sdk.connection import Connection, ConnectionAccessor
from slipstream.sdk.exceptions import AirflowException, AirflowNotFoundException
from slipstream.sdk.secrets import SecretsUnavailable, secrets_provider
from slipstream.sdk.templating import make_environment, render_value
from slipstream.sdk.variable import Variable, VariableAccessor


class MemorySecrets:
    """A SecretsProvider over dicts."""

    def __init__(self, variables: dict[str, str] | None = None, connections: dict[str, dict[str, Any]] | None = None):
        self.variables = dict(variables or {})
        self.connections = dict(connections or {})

    def get_variable(self, *, key: str) -> str | None:
        return self.variables.get(key)

    def set_variable(self, *, key: str, value: str, description: str | None) -> None:
        self.variables[key] = value

    def delete_variable(self, *, key: str) -> int:
        return 1 if self.variables.pop(key, None) is not None else 0

    def get_connection(self, *, conn_id: str) -> dict[str, Any] | None:
        return self.connections.get(conn_id)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    import os

    for name in list(os.environ):
        if name.startswith(secrets.VAR_PREFIXES + secrets.CONN_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture
def store():
    provider = MemorySecrets()
    with secrets_provider(provider):
        yield provider


# -- URIs ------------------------------------------------------------------------------------

URIS = [
    (
        "postgresql://user:pass@host:5432/db?param=x",
        {"conn_type": "postgres", "host": "host", "login": "user", "password": "pass", "port": 5432, "schema": "db",
         "extra": '{"param": "x"}'},
    ),
    (
        "mysql://us%40er:p%40ss%2Fw%3Ard@db.example.com/my%20db",
        {"conn_type": "mysql", "host": "db.example.com", "login": "us@er", "password": "p@ss/w:rd", "port": None,
         "schema": "my db", "extra": None},
    ),
    ("aws://", {"conn_type": "aws", "host": None, "login": None, "password": None, "port": None, "schema": None}),
    ("google-cloud-platform://", {"conn_type": "google_cloud_platform"}),
    ("http://https://api.example.com:8443/v1", {"conn_type": "http", "host": "https://api.example.com", "port": 8443, "schema": "v1"}),
    ("spark://@:7077", {"conn_type": "spark", "host": None, "port": 7077}),
    (
        "my-conn-type://h/?__extra__=%7B%22nested%22%3A+%7B%22a%22%3A+%5B1%2C+2%5D%7D%7D",
        {"conn_type": "my_conn_type", "host": "h", "extra": '{"nested": {"a": [1, 2]}}'},
    ),
]


@pytest.mark.parametrize(("uri", "expected"), URIS, ids=[u for u, _ in URIS])
def test_a_uri_gives_the_fields_airflow_gives(uri, expected):
    connection = Connection(conn_id="c", uri=uri)
    assert {k: getattr(connection, k) for k in expected} == expected


@pytest.mark.parametrize("uri", [u for u, _ in URIS])
def test_get_uri_reads_back_to_the_same_connection(uri):
    connection = Connection(conn_id="c", uri=uri)
    assert Connection(conn_id="c", uri=connection.get_uri()) == connection


def test_extra_dejson_and_a_uri_with_a_non_string_extra():
    connection = Connection(conn_id="c", conn_type="http", host="h", extra={"timeout": 5, "verify": False})
    assert connection.extra_dejson == {"timeout": 5, "verify": False}
    assert "__extra__" in connection.get_uri()  # query strings would make them text
    assert Connection(conn_id="c", uri=connection.get_uri()).extra_dejson == {"timeout": 5, "verify": False}
    assert Connection(conn_id="c", conn_type="http").extra_dejson == {}
    assert Connection(conn_id="c", conn_type="http", extra="not json").extra_dejson == {}


@pytest.mark.parametrize("uri", ["no-scheme-here", "a://b://c://d", "http://user@https://host"])
def test_invalid_uris_are_refused(uri):
    with pytest.raises(AirflowException, match="Invalid connection URI"):
        Connection(conn_id="c", uri=uri)


def test_uri_and_fields_cannot_be_mixed():
    with pytest.raises(AirflowException, match="not both"):
        Connection(conn_id="c", uri="http://h", host="other")


# -- JSON ------------------------------------------------------------------------------------


def test_the_json_form():
    connection = Connection.from_json(
        json.dumps({"conn_type": "postgresql", "host": "h", "login": "u", "password": "p", "port": "5433",
                    "schema": "db", "extra": {"sslmode": "require"}}),
        conn_id="pg",
    )
    assert connection.to_dict() == {
        "conn_id": "pg", "conn_type": "postgres", "description": None, "host": "h", "schema": "db", "login": "u",
        "password": "p", "port": 5433, "extra": '{"sslmode": "require"}',
    }
    assert Connection.from_json(connection.as_json(), conn_id="pg") == connection


@pytest.mark.parametrize(
    ("text", "message"),
    [("{not json", "not valid JSON"), ('["a"]', "must be an object"), ('{"hots": "typo"}', "unknown fields: hots"),
     ('{"conn_type": "x", "port": "eighty"}', "integer port")],
)
def test_bad_json_is_refused_clearly(text, message):
    with pytest.raises((AirflowException, ValueError), match=message):
        Connection.from_json(text, conn_id="c")


# -- where connections and variables come from ------------------------------------------------


def test_connections_from_the_environment_uri_or_json_before_the_store(store, monkeypatch):
    store.connections["my_db"] = {"conn_id": "my_db", "conn_type": "postgres", "host": "from-store"}
    assert BaseHook.get_connection("my_db").host == "from-store"
    monkeypatch.setenv("AIRFLOW_CONN_MY_DB", "postgresql://u:p@from-airflow-env:5432/db")
    connection = BaseHook.get_connection("my_db")
    assert (connection.conn_id, connection.host, connection.password) == ("my_db", "from-airflow-env", "p")
    monkeypatch.setenv("SLIPSTREAM_CONN_MY_DB", '{"conn_type": "http", "host": "from-slipstream-env"}')
    assert BaseHook.get_connection("my_db").host == "from-slipstream-env"
    assert Connection.get("my_db").conn_type == "http"


def test_a_connection_defined_nowhere(store):
    with pytest.raises(AirflowNotFoundException, match="The conn_id `nowhere` isn't defined"):
        BaseHook.get_connection("nowhere")


def test_variables_environment_first_then_store(store, monkeypatch):
    store.variables["color"] = "blue"
    assert Variable.get("color") == "blue"
    monkeypatch.setenv("AIRFLOW_VAR_COLOR", "green")
    assert Variable.get("color") == "green"
    monkeypatch.setenv("SLIPSTREAM_VAR_COLOR", "red")
    assert Variable.get("color") == "red"


def test_variable_get_defaults_json_and_missing(store):
    store.variables["cfg"] = '{"rows": 10, "tags": ["a"]}'
    assert Variable.get("cfg", deserialize_json=True) == {"rows": 10, "tags": ["a"]}
    assert Variable.get("missing", default_var="d") == "d"
    assert Variable.get("missing", default_var=None) is None
    assert Variable.get("missing", default="airflow3") == "airflow3"
    with pytest.raises(KeyError, match="Variable missing does not exist"):
        Variable.get("missing")
    store.variables["text"] = "plain"
    with pytest.raises(ValueError, match="not valid JSON"):
        Variable.get("text", deserialize_json=True)


def test_variable_set_delete_setdefault_update(store):
    Variable.set("n", 42)
    assert store.variables["n"] == "42"
    Variable.set("obj", {"a": [1]}, serialize_json=True)
    assert json.loads(store.variables["obj"]) == {"a": [1]}
    assert Variable.setdefault("obj", {"b": 2}, deserialize_json=True) == {"a": [1]}
    assert Variable.setdefault("new", "first") == "first" and store.variables["new"] == "first"
    Variable.update("new", "second")
    assert store.variables["new"] == "second"
    with pytest.raises(KeyError):
        Variable.update("absent", "x")
    assert Variable.delete("n") == 1 and Variable.delete("n") == 0


def test_without_a_provider_the_error_says_where_it_works(monkeypatch):
    with pytest.raises(SecretsUnavailable, match="only reachable while a task runs or a DAG file is parsed"):
        Variable.get("anything")
    with pytest.raises(SecretsUnavailable, match="AIRFLOW_CONN_"):
        BaseHook.get_connection("anything")
    monkeypatch.setenv("AIRFLOW_VAR_ANYTHING", "from env")
    assert Variable.get("anything") == "from env"


def test_a_fallback_provider_does_not_replace_an_installed_one():
    task_store, fallback = MemorySecrets({"k": "task"}), MemorySecrets({"k": "fallback"})
    with secrets_provider(task_store), secrets_provider(fallback, fallback=True):
        assert Variable.get("k") == "task"
    with secrets_provider(fallback, fallback=True):
        assert Variable.get("k") == "fallback"


def test_the_provider_is_seen_by_threads_the_task_starts(store):
    import threading

    store.variables["k"] = "v"
    seen = []
    thread = threading.Thread(target=lambda: seen.append(Variable.get("k")))
    thread.start()
    thread.join()
    assert seen == ["v"]


# -- templates ---------------------------------------------------------------------------------


def test_var_and_conn_in_templates(store):
    store.variables.update({"bucket": "s3://b", "cfg": '{"a": {"b": 3}}'})
    store.connections["pg"] = {"conn_id": "pg", "conn_type": "postgres", "host": "db", "port": 5432, "login": "u"}
    context = {
        "var": {"value": VariableAccessor(deserialize_json=False), "json": VariableAccessor(deserialize_json=True)},
        "conn": ConnectionAccessor(),
    }
    template = (
        "{{ var.value.bucket }} {{ var.json.cfg.a.b }} {{ var.value.get('nope', 'dflt') }} "
        "{{ conn.pg.host }}:{{ conn.pg.port }} {{ conn.get('nope', 'none') }}"
    )
    assert render_value(template, context, make_environment()) == "s3://b 3 dflt db:5432 none"
    with pytest.raises(KeyError, match="Variable missing does not exist"):
        render_value("{{ var.value.missing }}", context, make_environment())
