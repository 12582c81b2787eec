"""No secret leaves in clear: a DAG that prints, logs, templates, returns and raises a connection
password, a sensitive variable and a ``mask_secret`` value is run by the real CLI (``dags test``
with the local executor, ``tasks test``, ``tasks render``), and every log file, every CLI output and
the SQLite database (with its WAL) are searched for each secret, in the forms it is written in.

The one place a secret is expected is the XCom a task returns: it is stored as given, so that the
next task gets the real value (as in Airflow). The test checks that it is, then removes that row
and searches the database again.
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from slipstream.dagfiles.store_secrets import StoreSecrets
from slipstream.store import connections
from slipstream.store.encryption import cipher_from_config

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]

DAG_FILE = '''
import logging
import os
import subprocess
import sys
from datetime import datetime

from airflow import DAG
from airflow.decorators import task
from airflow.hooks.base import BaseHook
from airflow.models import Variable
from airflow.operators.bash import BashOperator
from airflow.operators.python import ExternalPythonOperator
from airflow.sdk.log import mask_secret

log = logging.getLogger("leaky")
# Read while the file is imported (in the zygote, for the tasks forked from it): anti-pattern, masked all the same.
AT_PARSE = Variable.get("leak_api_key", default_var="not there")


def register_masked(context):
    mask_secret(os.environ["LEAK_MASKED"])


def print_in_other_python(value):
    print("other python got", value)


with DAG(dag_id="leaky", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 0}) as dag:

    @task
    def says_everything():
        conn = BaseHook.get_connection("leak_db")
        api_key = Variable.get("leak_api_key")
        masked = os.environ["LEAK_MASKED"]
        mask_secret(masked)
        print("print:", conn.password, api_key, masked)
        print("uri:", conn.get_uri())
        print("extra:", conn.extra_dejson["nested"]["client_secret"])
        sys.stderr.write(f"stderr: {conn.password} {api_key} {masked}\\n")
        log.info("logged: %s %s %s", conn.password, api_key, masked)
        log.warning("repr: %r", {"pw": conn.password})
        print("read at parse time:", AT_PARSE)
        sys.stdout.flush()
        os.system(f"echo 'os.system: {api_key}'")  # a child writing to the log file itself
        subprocess.run(["sh", "-c", "echo child stderr: $LEAK_MASKED >&2"], check=True)

    @task
    def returns_one():
        mask_secret(os.environ["LEAK_MASKED"])
        return os.environ["LEAK_MASKED"]

    @task
    def gets_the_real_value(value):
        mask_secret(value)
        print("downstream got the real value:", value == os.environ["LEAK_MASKED"])

    @task
    def raises():
        conn = BaseHook.get_connection("leak_db")
        raise ValueError(f"failed with {conn.password} {Variable.get('leak_api_key')}")

    templated = BashOperator(
        task_id="templated",
        bash_command=(
            "echo 'bash: {{ conn.leak_db.password }} {{ var.value.leak_api_key }}' $LEAK_MASKED; "
            "echo \\"env: $API_TOKEN\\"; echo 'bash stderr: {{ conn.leak_db.password }}' >&2; "
            "echo done  # the last line is the XCom, stored as given"
        ),
        env={"API_TOKEN": "{{ var.value.leak_api_key }}"}, append_env=True,
        pre_execute=register_masked,
    )
    other_python = ExternalPythonOperator(
        task_id="other_python", python=sys.executable, python_callable=print_in_other_python,
        op_args=["{{ var.value.leak_api_key }}"],
    )
    says_everything() >> gets_the_real_value(returns_one()) >> templated >> other_python >> raises()
'''


@pytest.fixture
def planted(home: Path, monkeypatch: pytest.MonkeyPatch, db, settings) -> dict[str, str]:
    """The secrets, planted where users put them; the keys of the installation in the environment."""
    from cryptography.fernet import Fernet

    token = secrets.token_hex(8)
    planted = {
        "password": f"Pw/{token}!:@x",  # characters that a URI writes quoted
        "api_key": f"ApiKey-{secrets.token_hex(8)}",
        "masked": f"Masked-{secrets.token_hex(8)}",
        "client_secret": f"ClientSecret-{secrets.token_hex(8)}",
        "fernet_key": Fernet.generate_key().decode(),
        "smtp_password": f"Smtp-{secrets.token_hex(8)}",
    }
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", planted["fernet_key"])
    monkeypatch.setenv("SLIPSTREAM__SMTP__SMTP_PASSWORD", planted["smtp_password"])
    monkeypatch.setenv("SLIPSTREAM__CORE__LOAD_EXAMPLES", "false")
    monkeypatch.setenv("LEAK_MASKED", planted["masked"])
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "300")
    cipher = cipher_from_config(home)
    store = StoreSecrets(db, cipher)
    store.set_variable(key="leak_api_key", value=planted["api_key"])
    with db.write() as session:
        connections.add(
            session,
            connections.StoredConnection(
                conn_id="leak_db", conn_type="postgres", host="db.example", login="etl", password=planted["password"],
                port=5432, extra=json.dumps({"nested": {"client_secret": planted["client_secret"]}, "timeout": 5}),
            ),
            cipher,
        )
    (settings.dags_folder / "leaky.py").write_text(DAG_FILE)
    return planted


def forms(secret: str) -> set[str]:
    return {secret, quote(secret, safe="")}


def slipstream(*args: str, code: int | None = 0) -> str:
    done = subprocess.run([*SLIPSTREAM, *args], capture_output=True, text=True, timeout=180, env=dict(os.environ))
    if code is not None and done.returncode != code:
        raise AssertionError(f"slipstream {' '.join(args)} exited {done.returncode}\n{done.stdout}\n{done.stderr}")
    return done.stdout + done.stderr


def leaks(text: str, planted: dict[str, str], names: list[str] | None = None) -> list[str]:
    return [name for name in (names or list(planted)) for form in forms(planted[name]) if form in text]


def database_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_no_secret_is_written_in_clear_anywhere(planted, home, settings):
    outputs = {}
    outputs["dags test"] = slipstream("dags", "test", "leaky", code=1)
    with sqlite3.connect(home / "slipstream.db") as connection:
        run_id = connection.execute("SELECT run_id FROM dag_run WHERE dag_id = 'leaky'").fetchone()[0]
        states = dict(connection.execute("SELECT task_id, state FROM task_instance WHERE dag_id = 'leaky'").fetchall())
    assert states == {
        "says_everything": "success", "returns_one": "success", "gets_the_real_value": "success",
        "templated": "success", "other_python": "success", "raises": "failed",
    }, outputs["dags test"]
    outputs["tasks test says_everything"] = slipstream("tasks", "test", "leaky", "says_everything")
    outputs["tasks test returns_one"] = slipstream("tasks", "test", "leaky", "returns_one")
    outputs["tasks test raises"] = slipstream("tasks", "test", "leaky", "raises", code=1)
    outputs["tasks test templated"] = slipstream("tasks", "test", "leaky", "templated")
    outputs["tasks render stored"] = slipstream("tasks", "render", "leaky", "templated", run_id)
    outputs["tasks render now"] = slipstream("tasks", "render", "leaky", "templated", "2030-01-01")
    outputs["tasks render other_python"] = slipstream("tasks", "render", "leaky", "other_python", run_id)
    outputs["states-for-dag-run"] = slipstream("tasks", "states-for-dag-run", "leaky", run_id, "-o", "json")
    outputs["dags list-runs"] = slipstream("dags", "list-runs", "leaky", "-o", "json")
    outputs["config list"] = slipstream("config", "list", "-o", "json")
    outputs["config get-value fernet_key"] = slipstream("config", "get-value", "core", "fernet_key")
    outputs["config get-value smtp_password"] = slipstream("config", "get-value", "smtp", "smtp_password")

    # What each secret was used for happened, masked.
    logs = {p: p.read_text() for p in sorted(settings.base_log_folder.rglob("*")) if p.is_file()}
    says = next(text for path, text in logs.items() if "says_everything" in str(path))
    assert "print: *** *** ***" in says and "stderr: *** *** ***" in says and "logged: *** *** ***" in says
    assert "uri: postgres://etl:***@db.example:5432" in says and "extra: ***" in says
    assert "repr: {'pw': '***'}" in says
    assert "read at parse time: ***" in says
    assert "os.system: ***" in says and "child stderr: ***" in says
    templated = next(text for path, text in logs.items() if "templated" in str(path))
    assert "bash: *** *** ***" in templated and "env: ***" in templated and "bash stderr: ***" in templated
    assert "other python got ***" in next(text for path, text in logs.items() if "other_python" in str(path))
    returned = next(text for path, text in logs.items() if "returns_one" in str(path))
    assert "Done. Returned value was: '***'" in returned
    downstream = next(text for path, text in logs.items() if "gets_the_real_value" in str(path))
    assert "downstream got the real value: True" in downstream
    raised = next(text for path, text in logs.items() if "raises" in str(path))
    assert "ValueError: failed with *** ***" in raised
    assert "failed with *** ***" in outputs["states-for-dag-run"]
    assert "XCom return_value: \"***\"" in outputs["tasks test returns_one"]
    assert "bash: *** *** ***" in outputs["tasks test templated"]
    assert '"API_TOKEN": "***"' in outputs["tasks render stored"] and '"API_TOKEN": "***"' in outputs["tasks render now"]
    assert "echo 'bash: *** ***'" in outputs["tasks render now"]
    config = {(row["section"], row["key"]): row["value"] for row in json.loads(outputs["config list"])}
    assert config[("core", "fernet_key")] == config[("smtp", "smtp_password")] == "***"
    assert outputs["config get-value fernet_key"].startswith("***\n[core] fernet_key is sensitive")

    # Nothing in clear: no log file, no CLI output.
    assert logs, "the run wrote no log"
    found = {str(path): leaks(text, planted) for path, text in logs.items()}
    found.update({name: leaks(text, planted) for name, text in outputs.items()})
    assert not {where: names for where, names in found.items() if names}

    # The database: no secret in clear, except the returned value, stored as given in its XCom.
    database = home / "slipstream.db"
    raw = database_bytes(database)
    assert not leaks(raw.decode("latin-1"), planted, ["password", "api_key", "client_secret", "smtp_password"])
    with sqlite3.connect(database) as connection:
        stored = connection.execute(
            "SELECT task_id, value FROM xcom WHERE dag_id = 'leaky' AND key = 'return_value'"
        ).fetchall()
        assert dict((task, json.loads(value)) for task, value in stored)["returns_one"] == planted["masked"]
        connection.execute("DELETE FROM xcom WHERE dag_id = 'leaky'")
    with sqlite3.connect(database, isolation_level=None) as connection:
        connection.execute("VACUUM")
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert not leaks(database_bytes(database).decode("latin-1"), planted), "a secret outside the returned XCom"
