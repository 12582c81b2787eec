"""``info``, ``cheat-sheet``, ``plugins``, ``providers list | get`` and ``jobs check``."""

from __future__ import annotations

import json
import socket
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from cli_helpers import invoke, invoke_json


@pytest.fixture
def a_provider(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A provider distribution installed in a folder on sys.path (what pip leaves: a .dist-info)."""
    site = tmp_path / "site"
    info = site / "apache_airflow_providers_example-1.2.3.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: apache-airflow-providers-example\nVersion: 1.2.3\n"
        "Summary: An example provider\nProject-URL: Documentation, https://example.org/docs\n"
    )
    monkeypatch.syspath_prepend(str(site))
    return "apache-airflow-providers-example"


def test_info_sections(runner, home, a_provider):
    sections = json.loads(invoke(runner, "info", "-o", "json").stdout)
    assert list(sections) == ["Slipstream info", "System info", "Tools info", "Paths info", "Providers info"]
    from slipstream import __version__

    assert sections["Slipstream info"]["version"] == __version__
    assert sections["Slipstream info"]["dags_folder"] == str(home / "dags")
    assert sections["Paths info"]["slipstream_home"] == str(home)
    assert sections["Providers info"] == {a_provider: "1.2.3"}
    assert yaml.safe_load(invoke(runner, "info", "-o", "yaml").stdout) == sections
    table = invoke(runner, "info").stdout
    assert "Slipstream info" in table and "sql_alchemy_conn" in table


def test_info_anonymized_hides_the_password_and_home(runner, monkeypatch):
    import getpass
    import os

    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", "postgresql://etl:secret@127.0.0.1:5432/meta")
    out = invoke(runner, "info", "--anonymize", "-o", "json").stdout
    assert "secret" not in out and "etl:***@" in out
    home = os.path.expanduser("~")
    if home not in ("/", ""):
        assert home not in out
    if len(getpass.getuser()) > 2:
        assert getpass.getuser() not in out


def test_cheat_sheet_lists_the_real_commands(runner):
    lines = invoke(runner, "cheat-sheet").stdout.splitlines()
    paths = {line.split("  ")[0].strip() for line in lines}
    assert {"slipstream dags state", "slipstream tasks failed-deps", "slipstream backfill create"} <= paths
    assert "slipstream kerberos" not in paths
    delete = next(line for line in lines if line.startswith("slipstream dags delete "))
    assert "..." not in delete
    assert delete.endswith("so the scheduler records the DAG again while the file defines it.")  # never cut


def test_plugins_are_none(runner):
    assert invoke_json(runner, "plugins") == []
    assert "Slipstream loads no Airflow plugins." in invoke(runner, "plugins").stderr


def test_providers_list_and_get(runner, a_provider):
    assert invoke_json(runner, "providers", "list") == [{
        "package_name": a_provider, "description": "An example provider", "version": "1.2.3",
        "documentation_url": "https://example.org/docs",
    }]
    assert invoke_json(runner, "providers", "get", a_provider) == [
        {"package_name": a_provider, "description": "An example provider", "version": "1.2.3"}
    ]
    [full] = invoke_json(runner, "providers", "get", a_provider, "--full")
    assert full["documentation_url"] == "https://example.org/docs"
    result = invoke(runner, "providers", "get", "apache-airflow-providers-exampel", code=1)
    assert f"Did you mean '{a_provider}'?" in result.stderr
    assert "\x1b[" in invoke(runner, "providers", "get", a_provider, "--color", "on").stdout
    assert "\x1b[" not in invoke(runner, "providers", "get", a_provider, "--color", "off").stdout


def _register(hostname: str, heartbeat_age: float = 0) -> None:
    from slipstream.cli.environment import load_settings, open_store
    from slipstream.store import jobs

    with open_store(load_settings()).write() as session:
        jobs.register(session, hostname, 4242, datetime.now(UTC) - timedelta(seconds=heartbeat_age))


def test_jobs_check(runner):
    result = invoke(runner, "jobs", "check", code=1)
    assert result.stderr == "No alive jobs found.\n"
    _register("elsewhere", heartbeat_age=3600)  # its heartbeat is too old
    invoke(runner, "jobs", "check", code=1)
    _register(socket.gethostname())
    assert invoke(runner, "jobs", "check").stdout == "Found one alive job.\n"
    invoke(runner, "jobs", "check", "--local", "--job-type", "SchedulerJob")
    invoke(runner, "jobs", "check", "--hostname", "elsewhere", code=1)
    _register("other-host")
    result = invoke(runner, "jobs", "check", "--limit", "5", code=1)
    assert "Found 2 alive jobs, expected one" in result.stderr
    assert invoke(runner, "jobs", "check", "--limit", "5", "--allow-multiple").stdout == "Found 2 alive jobs.\n"
