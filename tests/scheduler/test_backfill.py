"""Backfill: runs for every interval in a range, with the real scheduler, local executor and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipstream.scheduler.backfill import BackfillError, apply_backfill, backfill, plan_backfill, run_backfill
from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow

DAILY = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("daily", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False, max_active_runs=4,
         default_args={{"retries": 0}}) as dag:
    BashOperator(task_id="work", bash_command={command!r})
"""


def day(d: int) -> datetime:
    return datetime(2024, 1, d, tzinfo=UTC)


def runs_of(db, dag_id: str = "daily") -> list:
    with db.read() as session:
        return sorted(dag_runs.list_runs(session, dag_id), key=lambda r: r.logical_date)


@pytest.fixture
def daily(write_dag, parse):
    def make(command: str = "echo hello") -> None:
        write_dag("daily.py", DAILY.format(command=command))
        parse()

    return make


def test_backfill_creates_one_run_per_interval_and_no_duplicates(settings, db, daily):
    """Airflow 3's default: one run at each midnight from the first date to the last, both included,
    each at the instant of its tick."""
    daily()
    states = backfill(settings, db, "daily", day(1), day(5), now=utcnow())
    runs = runs_of(db)
    assert [r.logical_date for r in runs] == [day(d) for d in range(1, 6)]
    assert [(r.data_interval_start, r.data_interval_end) for r in runs] == [(day(d), day(d)) for d in range(1, 6)]
    assert {r.run_type for r in runs} == {"backfill"}
    assert [r.run_id for r in runs] == [f"backfill__{day(d).isoformat()}" for d in range(1, 6)]
    assert set(states.values()) == {"success"} and len(states) == 5
    assert {r.state for r in runs} == {"success"}

    again = backfill(settings, db, "daily", day(1), day(5), now=utcnow())
    assert again == {}
    assert len(runs_of(db)) == 5


def test_a_scheduled_run_of_the_same_date_is_not_duplicated(settings, db, daily):
    daily()
    backfill(settings, db, "daily", day(2), day(2), now=utcnow())
    plan = plan_backfill(settings, db, "daily", day(1), day(3))
    assert [(r.logical_date, r.action) for r in plan.runs] == [
        (day(1), "create"), (day(2), "exists, left alone"), (day(3), "create")
    ]


def test_run_backwards_starts_the_newest_first(settings, db, daily):
    daily()
    backfill(settings, db, "daily", day(1), day(3), now=utcnow(), run_backwards=True, max_active_runs=1)
    runs = runs_of(db)
    by_start = sorted(runs, key=lambda r: r.start_date)
    assert [r.logical_date for r in by_start] == [day(3), day(2), day(1)]


def test_max_active_runs_one_runs_them_one_after_the_other(settings, db, daily):
    daily("sleep 0.2")
    states = backfill(settings, db, "daily", day(1), day(4), now=utcnow(), max_active_runs=1)
    assert set(states.values()) == {"success"}
    runs = sorted(runs_of(db), key=lambda r: r.start_date)
    for before, after in zip(runs, runs[1:], strict=False):
        assert before.end_date <= after.start_date, (before.run_id, before.end_date, after.run_id, after.start_date)


def test_max_active_runs_two_runs_two_at_a_time(settings, db, daily):
    daily("sleep 0.3")
    backfill(settings, db, "daily", day(1), day(4), now=utcnow(), max_active_runs=2)
    runs = runs_of(db)
    for moment in [r.start_date + timedelta(microseconds=1) for r in runs]:
        assert sum(r.start_date <= moment < r.end_date for r in runs) <= 2


def test_dry_run_creates_nothing(settings, db, daily):
    daily()
    plan = plan_backfill(settings, db, "daily", day(1), day(5))
    assert [r.action for r in plan.runs] == ["create"] * 5
    assert runs_of(db) == []


def test_reset_dagruns_runs_existing_runs_again(settings, db, daily):
    daily()
    backfill(settings, db, "daily", day(1), day(2), now=utcnow())
    states = backfill(settings, db, "daily", day(1), day(2), now=utcnow(), reset_dagruns=True)
    assert states == {f"backfill__{day(d).isoformat()}": "success" for d in (1, 2)}
    assert len(runs_of(db)) == 2
    with db.read() as session:
        tis = [ti for r in runs_of(db) for ti in task_instances.for_run(session, "daily", r.run_id)]
    assert [(ti.state, ti.try_number) for ti in tis] == [("success", 2), ("success", 2)]


def test_rerun_failed_tasks_runs_the_failed_task_again(settings, db, daily, tmp_path):
    flag = tmp_path / "flag"
    daily(f"if [ -f {flag} ]; then echo second; else touch {flag}; exit 1; fi")
    first = backfill(settings, db, "daily", day(1), day(1), now=utcnow())
    assert list(first.values()) == ["failed"]
    # Without the flag an existing failed run is left alone.
    assert backfill(settings, db, "daily", day(1), day(1), now=utcnow()) == {}
    second = backfill(settings, db, "daily", day(1), day(1), now=utcnow(), rerun_failed_tasks=True)
    assert list(second.values()) == ["success"]
    (run,) = runs_of(db)
    with db.read() as session:
        (ti,) = task_instances.for_run(session, "daily", run.run_id)
    assert (run.state, ti.state, ti.try_number) == ("success", "success", 2)


def test_reported_as_runs_finish_and_paused_dags_backfill(settings, db, daily):
    daily()
    from slipstream.store import dags as dag_store

    with db.write() as session:
        dag_store.set_paused(session, "daily", True, catchup_by_default=False)
    plan = apply_backfill(db, plan_backfill(settings, db, "daily", day(1), day(2)), utcnow())
    seen: list[str] = []
    run_backfill(settings, db, plan, on_finished=lambda row: seen.append(row.state))
    assert seen == ["success", "success"]


def test_bad_ranges_are_refused(settings, db, daily, write_dag, parse):
    daily()
    with pytest.raises(BackfillError, match="after"):
        plan_backfill(settings, db, "daily", day(5), day(1))
    write_dag("manual.py", """
        from datetime import datetime
        from slipstream import DAG, BashOperator
        with DAG("manual", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            BashOperator(task_id="t", bash_command="true")
        """)
    parse()
    with pytest.raises(BackfillError, match="no schedule"):
        plan_backfill(settings, db, "manual", day(1), day(2))


def test_range_before_start_date_and_once(settings, db, daily, write_dag, parse):
    daily()
    assert plan_backfill(settings, db, "daily", datetime(2023, 12, 30, tzinfo=UTC), day(2)).runs[0].logical_date == day(1)
    write_dag("once.py", """
        from datetime import datetime
        from slipstream import DAG, BashOperator
        with DAG("once", start_date=datetime(2024, 1, 3), schedule="@once") as dag:
            BashOperator(task_id="t", bash_command="true")
        """)
    parse()
    assert [r.logical_date for r in plan_backfill(settings, db, "once", day(1), day(5)).runs] == [day(3)]
    assert plan_backfill(settings, db, "once", day(4), day(5)).runs == []


def test_backfill_with_data_intervals_plans_one_run_per_complete_interval(settings, db, write_dag):
    """[scheduler] create_cron_data_intervals on (Airflow 2): the same logical dates, each run
    covering the day that starts at it."""
    from slipstream.dagfiles.processor import DagFileProcessor

    intervals = settings.replace(create_cron_data_intervals=True)
    write_dag("daily.py", DAILY.format(command="true"))
    processor = DagFileProcessor(intervals, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    plan = apply_backfill(db, plan_backfill(intervals, db, "daily", day(1), day(3)), utcnow())
    assert [item.logical_date for item in plan.runs] == [day(1), day(2), day(3)]
    assert [(r.data_interval_start, r.data_interval_end) for r in runs_of(db)] == [(day(d), day(d + 1)) for d in (1, 2, 3)]
