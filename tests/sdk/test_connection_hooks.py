"""``Connection.get_hook()``: the hook of the connection's type (here Slipstream's own)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slipstream.hooks.sqlite import SqliteHook
from slipstream.sdk.connection import Connection
from slipstream.sdk.exceptions import AirflowNotFoundException


def test_get_hook_gives_a_working_hook_of_the_type(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_LOCAL_DB", json.dumps({"conn_type": "sqlite", "host": str(tmp_path / "x.db")}))
    hook = Connection.get("local_db").get_hook()
    assert isinstance(hook, SqliteHook) and hook.sqlite_conn_id == "local_db"
    assert hook.get_first("SELECT 40 + 2")[0] == 42


def test_a_type_without_a_hook_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_WAREHOUSE", "snowflake://user@account/db")
    with pytest.raises(AirflowNotFoundException, match="no hook is known for conn_type 'snowflake'.*--no-deps"):
        Connection.get("warehouse").get_hook()
