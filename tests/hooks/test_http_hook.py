"""HttpHook against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json

import pytest
from local_servers import http_server

from slipstream.hooks.http import HttpHook
from slipstream.sdk.exceptions import AirflowException


@pytest.fixture
def server(monkeypatch):
    with http_server() as server:
        port = server.server_address[1]
        monkeypatch.setenv("AIRFLOW_CONN_API", json.dumps({
            "conn_type": "http", "host": "127.0.0.1", "port": port, "login": "user", "password": "secret",
            "extra": {"X-Team": "data", "timeout": 5},
        }))
        yield server


def test_a_get_sends_data_as_the_query_and_the_connection_headers(server):
    response = HttpHook(method="GET", http_conn_id="api").run("echo", data={"q": "x y"}, headers={"X-Run": "1"})
    answer = response.json()
    assert answer["method"] == "GET"
    assert answer["query"] == {"q": ["x y"]}
    assert answer["headers"]["x-team"] == "data"
    assert answer["headers"]["x-run"] == "1"
    assert answer["headers"]["authorization"].startswith("Basic ")


def test_a_post_sends_data_as_the_body_and_endpoints_join_with_one_slash(server):
    hook = HttpHook(http_conn_id="api")
    assert hook.run("/echo", data='{"a": 1}').json()["body"] == '{"a": 1}'
    assert hook.base_url == f"http://127.0.0.1:{server.server_address[1]}"
    assert hook.url_from_endpoint("/echo") == hook.url_from_endpoint("echo") == hook.base_url + "/echo"
    assert HttpHook(method="HEAD", http_conn_id="api").run("echo").text == ""


def test_basic_auth_from_the_connection(server, monkeypatch):
    assert HttpHook("GET", http_conn_id="api").run("auth").json() == {"user": "user"}
    monkeypatch.setenv("AIRFLOW_CONN_NOBODY", f"http://127.0.0.1:{server.server_address[1]}")
    with pytest.raises(AirflowException, match="^401:Unauthorized$"):
        HttpHook("GET", http_conn_id="nobody").run("auth")


def test_an_error_status_raises_unless_check_response_is_off(server):
    hook = HttpHook("GET", http_conn_id="api")
    with pytest.raises(AirflowException, match="^404:Not Found$"):
        hook.run("status/404")
    assert hook.run("status/500", extra_options={"check_response": False}).status_code == 500
    with pytest.raises(AirflowException, match="Unknown extra_options colour"):
        hook.run("echo", extra_options={"colour": "red"})


def test_a_host_with_a_scheme_is_the_base_url_and_an_unreachable_server_is_named(monkeypatch):
    with http_server() as server:
        port = server.server_address[1]
    monkeypatch.setenv("AIRFLOW_CONN_GONE", json.dumps({"conn_type": "http", "host": f"http://127.0.0.1:{port}/v1"}))
    hook = HttpHook("GET", http_conn_id="gone")
    with pytest.raises(AirflowException, match=f"Could not reach http://127.0.0.1:{port}/v1/things"):
        hook.run("things")
    monkeypatch.setenv("AIRFLOW_CONN_EMPTY", '{"conn_type": "http"}')
    with pytest.raises(AirflowException, match="has no host"):
        HttpHook("GET", http_conn_id="empty").run("things")
