"""``slipstream dags backfill``: runs for a range of dates, dry run, confirmation, exit codes."""

from __future__ import annotations

from cli_helpers import invoke, invoke_json, no_traceback, run

DAILY = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("daily", schedule_interval="@daily", start_date=datetime(2024, 1, 1), catchup=False,
         default_args={{"retries": 0}}) as dag:
    BashOperator(task_id="work", bash_command={command!r})
"""


def runs(runner) -> list[dict]:
    return sorted(invoke_json(runner, "dags", "list-runs", "daily"), key=lambda r: r["logical_date"])


def test_backfill_runs_every_day_once(runner, dags_dir):
    (dags_dir / "daily.py").write_text(DAILY.format(command="echo hi"))
    dry = invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-03", "--dry-run").stdout
    assert "backfill__2024-01-02T00:00:00+00:00  create" in dry
    assert invoke_json(runner, "dags", "list-runs", "daily") == []

    out = invoke(runner, "dags", "backfill", "daily", "--start-date", "2024-01-01", "--end-date", "2024-01-03").stdout
    assert "backfill__2024-01-01T00:00:00+00:00: success" in out
    assert "3 of 3 run(s) succeeded" in out
    rows = runs(runner)
    assert [(r["run_id"], r["run_type"], r["state"]) for r in rows] == [
        (f"backfill__2024-01-0{d}T00:00:00+00:00", "backfill", "success") for d in (1, 2, 3)
    ]

    again = invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-03").stdout
    assert "exists (success), left alone" in again
    assert len(runs(runner)) == 3


def test_reset_asks_first_and_a_failing_backfill_exits_1(runner, dags_dir, tmp_path):
    flag = tmp_path / "flag"
    (dags_dir / "daily.py").write_text(DAILY.format(command=f"test -f {flag}"))
    result = invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-01", code=1)
    assert "1 run(s) failed" in result.stderr
    aborted = invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-01", "--reset-dagruns",
                     input="n\n", code=1)
    assert "Aborted" in aborted.stderr
    assert runs(runner)[0]["state"] == "failed"
    flag.touch()
    invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-01", "--reset-dagruns", "-y",
           "--max-active-runs", "1", "--ignore-depends-on-past")
    assert runs(runner)[0]["state"] == "success"


def test_bad_input_is_refused(runner, dags_dir):
    (dags_dir / "daily.py").write_text(DAILY.format(command="true"))
    result = invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-05", "-e", "2024-01-01", code=1)
    assert "is after --end-date" in result.stderr
    invoke(runner, "dags", "backfill", "nope", "-s", "2024-01-01", "-e", "2024-01-02", code=1)
    invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-02", "--max-active-runs", "0", code=2)


PAST = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG("past", schedule="@daily", start_date=datetime(2024, 1, 1), catchup=False, max_active_runs={limit},
         default_args={{"retries": 0}}) as dag:
    BashOperator(task_id="work", bash_command={command!r}, depends_on_past=True) >> BashOperator(
        task_id="after", bash_command="true")
"""


def test_a_depends_on_past_deadlock_is_reported_and_exits_1(dags_dir, tmp_path):
    """The first day fails, so the second day's task waits for it forever: the backfill says
    which runs wait on what and exits 1 instead of waiting (a real process, with a time limit)."""
    flag = tmp_path / "flag"
    (dags_dir / "past.py").write_text(PAST.format(limit=1, command=f"test -f {flag}"))
    done = run("dags", "backfill", "past", "-s", "2024-01-01", "-e", "2024-01-03", code=1, timeout=120)
    day = "backfill__2024-01-0{}T00:00:00+00:00".format
    assert f"{day(1)}: failed" in done.stdout
    assert done.stderr.startswith("Backfill of past is deadlocked: 2 run(s) wait, and no task can run.\n"), done.stderr
    assert (
        f"  {day(2)} (running):\n"
        f"    work: depends_on_past: task work in the previous run {day(1)} is failed\n"
        "    after: waits for its upstream task(s) work\n"
        f"  {day(3)} (queued):\n"
        "    waits for a free slot: at most 1 backfill run(s) at once, all taken by the waiting runs above\n"
    ) in done.stderr
    assert "-I (--ignore-depends-on-past)" in done.stderr
    assert no_traceback(done.stderr)
    flag.touch()  # fixed: -I runs what waited
    run("dags", "backfill", "past", "-s", "2024-01-02", "-e", "2024-01-03", "-I", timeout=120)


def test_list_runs_by_logical_date_and_without_backfills(runner, dags_dir):
    (dags_dir / "daily.py").write_text(DAILY.format(command="true"))
    invoke(runner, "dags", "backfill", "daily", "-s", "2024-01-01", "-e", "2024-01-03")
    invoke(runner, "dags", "trigger", "daily", "-l", "2024-02-01")
    dates = {r["logical_date"][:10] for r in invoke_json(runner, "dags", "list-runs", "daily", "-s", "2024-01-02",
                                                          "-e", "2024-02-01")}
    assert dates == {"2024-01-02", "2024-01-03", "2024-02-01"}
    [manual] = invoke_json(runner, "dags", "list-runs", "daily", "--no-backfill")
    assert manual["run_type"] == "manual"
    states = invoke_json(runner, "tasks", "states-for-dag-run", "daily", "2024-01-02")
    assert [(s["task_id"], s["state"]) for s in states] == [("work", "success")]
