"""Manual runs: the run_id a user gives is checked with the configured rule before anything is written."""

from __future__ import annotations

import pytest

from slipstream.dagfiles.manual_runs import trigger_dag, trigger_or_clear
from slipstream.store import dag_runs

PLAIN = """
from datetime import datetime
from slipstream import DAG, EmptyOperator

with DAG("plain", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    EmptyOperator(task_id="t")
"""


def runs(db) -> list[str]:
    with db.read() as session:
        return [r.run_id for r in dag_runs.list_runs(session, "plain")]


def test_the_run_id_rule_follows_the_configuration(db, write_dag, parse, monkeypatch):
    write_dag("plain.py", PLAIN)
    parse()
    with pytest.raises(ValueError, match="must not contain '..'"):
        trigger_dag(db, "plain", run_id="a..b")
    with pytest.raises(ValueError, match="must not contain '..'"):
        trigger_or_clear(db, "plain", run_id="../x", conf=None, logical_date=None, reset_dag_run=False)
    assert runs(db) == []

    monkeypatch.setenv("SLIPSTREAM__CORE__ALLOW_DOUBLE_DOT_IN_IDS", "true")
    monkeypatch.setenv("SLIPSTREAM__SCHEDULER__ALLOWED_RUN_ID_PATTERN", r"^[a-z.]+$")
    assert trigger_dag(db, "plain", run_id="a..b").run_id == "a..b"
    with pytest.raises(ValueError, match=r"does not match the allowed pattern '\^\[a-z\.\]\+\$'"):
        trigger_dag(db, "plain", run_id="Run1")
    with pytest.raises(ValueError, match="cannot be '.' or '..'"):
        trigger_dag(db, "plain", run_id="..")
    assert trigger_dag(db, "plain").run_id.startswith("manual__"), "the generated id passes whatever the pattern"
    assert sorted(runs(db))[0] == "a..b" and len(runs(db)) == 2
