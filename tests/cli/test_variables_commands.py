"""``slipstream variables set | get | list | delete | import | export``."""

from __future__ import annotations

import json
import os
import stat

from cli_helpers import invoke, invoke_json, no_traceback, run
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, text


def raw_values(home) -> dict[str, str]:
    engine = create_engine(f"sqlite:///{home / 'slipstream.db'}")
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT key, val FROM variable")).all())
    engine.dispose()
    return rows


def test_set_get_list_delete(runner):
    assert invoke(runner, "variables", "set", "bucket", "s3://b", "--description", "exports").stdout == "Variable bucket created\n"
    assert invoke(runner, "variables", "get", "bucket").stdout == "s3://b\n"
    invoke(runner, "variables", "set", "bucket", "s3://c")
    assert invoke(runner, "variables", "get", "bucket").stdout == "s3://c\n"
    assert invoke_json(runner, "variables", "list") == [{"key": "bucket", "description": "exports"}]
    assert invoke(runner, "variables", "delete", "bucket").stdout == "Variable bucket deleted\n"
    assert invoke_json(runner, "variables", "list") == []
    result = invoke(runner, "variables", "delete", "bucket", code=1)
    assert "Variable bucket does not exist" in result.stderr


def test_get_missing_default_and_json(runner):
    result = invoke(runner, "variables", "get", "missing", code=1)
    assert "Variable missing does not exist" in result.stderr and no_traceback(result.stderr)
    assert invoke(runner, "variables", "get", "missing", "--default", "fallback").stdout == "fallback\n"
    invoke(runner, "variables", "set", "cfg", '{"a":{"b":3}}', "-j")
    assert json.loads(invoke(runner, "variables", "get", "cfg", "--json").stdout) == {"a": {"b": 3}}
    result = invoke(runner, "variables", "set", "bad", "{not json", "--json", code=1)
    assert "not valid JSON" in result.stderr


def test_values_are_encrypted_in_the_database_with_a_generated_key(runner, home):
    invoke(runner, "variables", "set", "token", "very-secret-token")
    stored = raw_values(home)["token"]
    assert "very-secret-token" not in stored
    key_file = home / "fernet.key"
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert Fernet(key_file.read_text().strip().encode()).decrypt(stored.encode()) == b"very-secret-token"


def test_a_wrong_key_is_a_clear_error_from_a_real_process(monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", Fernet.generate_key().decode())
    run("variables", "set", "token", "secret")
    assert run("variables", "get", "token").stdout == "secret\n"
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", Fernet.generate_key().decode())
    done = run("variables", "get", "token", code=1)
    assert "Cannot decrypt variable 'token'" in done.stderr and "[core] fernet_key" in done.stderr
    assert no_traceback(done.stderr)
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", "short")
    done = run("variables", "get", "token", code=1)
    assert "is not valid" in done.stderr and no_traceback(done.stderr)


def test_export_and_import_round_trip(runner, tmp_path):
    invoke(runner, "variables", "set", "text", "plain words")
    invoke(runner, "variables", "set", "cfg", '{"rows": 5}', "-j")
    exported = tmp_path / "vars.json"
    assert "2 variables successfully exported" in invoke(runner, "variables", "export", str(exported)).stdout
    assert json.loads(exported.read_text()) == {"cfg": {"rows": 5}, "text": "plain words"}
    invoke(runner, "variables", "delete", "text")
    invoke(runner, "variables", "delete", "cfg")
    assert invoke(runner, "variables", "import", str(exported)).stdout.startswith("2 of 2 variables successfully updated.")
    assert invoke(runner, "variables", "get", "text").stdout == "plain words\n"
    assert json.loads(invoke(runner, "variables", "get", "cfg").stdout) == {"rows": 5}
    assert json.loads(invoke(runner, "variables", "export", "-").stdout) == {"cfg": {"rows": 5}, "text": "plain words"}


def test_import_of_existing_keys(runner, tmp_path):
    invoke(runner, "variables", "set", "a", "old")
    source = tmp_path / "in.json"
    source.write_text(json.dumps({"a": "new", "b": [1, 2]}))
    result = invoke(runner, "variables", "import", str(source), "--action-on-existing-key", "fail", code=1)
    assert "already exist: a" in result.stderr
    assert invoke_json(runner, "variables", "list") == [{"key": "a", "description": None}]
    assert "1 skipped" in invoke(runner, "variables", "import", str(source), "-a", "skip").stdout
    assert invoke(runner, "variables", "get", "a").stdout == "old\n"
    assert json.loads(invoke(runner, "variables", "get", "b").stdout) == [1, 2]
    invoke(runner, "variables", "import", str(source))
    assert invoke(runner, "variables", "get", "a").stdout == "new\n"


def test_import_refuses_what_is_not_a_json_object(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    assert "must hold a JSON object" in invoke(runner, "variables", "import", str(bad), code=1).stderr
    bad.write_text("{nope")
    assert "is not valid JSON" in invoke(runner, "variables", "import", str(bad), code=1).stderr


def test_tasks_test_and_parse_time_read_the_store(runner, dags_dir):
    """``tasks test`` runs a task outside the scheduler; Variable.get at the top of the DAG file
    (parse time) and inside the task both read the store."""
    invoke(runner, "variables", "set", "dag_suffix", "v1")
    invoke(runner, "variables", "set", "message", "stored message")
    (dags_dir / "uses_vars.py").write_text(
        "from datetime import datetime\n"
        "from airflow import DAG\n"
        "from airflow.models import Variable\n"
        "from airflow.operators.python import PythonOperator\n"
        "with DAG(dag_id='uses_vars_' + Variable.get('dag_suffix'), start_date=datetime(2024, 1, 1), schedule=None):\n"
        "    PythonOperator(task_id='show', python_callable=lambda: print('task sees', Variable.get('message')))\n"
    )
    done = run("tasks", "test", "uses_vars_v1", "show")
    assert "task sees stored message" in done.stdout + done.stderr


def test_list_show_values_and_hide_sensitive(runner):
    invoke(runner, "variables", "set", "bucket", "s3://b", "--description", "exports")
    invoke(runner, "variables", "set", "api_password", "pw-123")
    assert invoke_json(runner, "variables", "list", "--show-values") == [
        {"key": "api_password", "val": "pw-123", "description": None},
        {"key": "bucket", "val": "s3://b", "description": "exports"},
    ]
    rows = invoke_json(runner, "variables", "list", "--show-values", "--hide-sensitive")
    assert [r["val"] for r in rows] == ["***", "***"]
    assert "pw-123" not in invoke(runner, "variables", "list").stdout
    assert "--show-values" in invoke(runner, "variables", "list", "--hide-sensitive", code=1).stderr


def test_get_default_short_alias(runner):
    assert invoke(runner, "variables", "get", "missing", "-d", "fallback").stdout == "fallback\n"
