"""Scheduled runs created by the scheduler from timetables, stepped pass by pass with an injected clock."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta

from scheduler_helpers import RecordingExecutor

from slipstream.dagfiles.processor import DagFileProcessor
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs
from slipstream.store import dags as dag_store
from slipstream.store.clock import utcnow

T0 = datetime(2024, 1, 11, 0, 30, tzinfo=UTC)  # ten days after the DAGs' start_date


def day(d: int) -> datetime:
    return datetime(2024, 1, d, tzinfo=UTC)


DAILY = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("daily", start_date=datetime({start}), schedule="@daily", catchup={catchup},
         max_active_runs={max_active_runs}) as dag:
    BashOperator(task_id="work", bash_command="true")
"""


def daily(write_dag, catchup: bool | None = None, max_active_runs: int | None = 3, start: datetime = day(1)) -> None:
    start_args = f"{start.year}, {start.month}, {start.day}"
    write_dag("daily.py", DAILY.format(catchup=catchup, max_active_runs=max_active_runs, start=start_args))


def real_time() -> tuple[datetime, datetime]:
    """The current time and its midnight. Without catchup, what the parser records as the next run
    depends on the time of the parse, so those tests run at the real time."""
    now = utcnow()
    return now, now.replace(hour=0, minute=0, second=0, microsecond=0)


def runs_of(db, dag_id: str) -> list:
    with db.read() as session:
        return sorted(dag_runs.list_runs(session, dag_id), key=lambda r: r.logical_date)


def active(db, dag_id: str) -> int:
    return sum(r.state in ("queued", "running") for r in runs_of(db, dag_id))


def dag_row(db, dag_id: str):
    with db.read() as session:
        return dag_store.get_dag(session, dag_id)


def test_catchup_off_creates_only_the_latest_tick(settings, db, write_dag, parse):
    """Airflow 3's default: ``"@daily"`` runs at each midnight; without catchup only today's
    tick, whose logical date is the tick and whose data interval is that instant."""
    now, today = real_time()
    daily(write_dag, catchup=False, start=today - timedelta(days=10))
    parse()
    scheduler = Scheduler(settings, db, RecordingExecutor())
    result = scheduler.run_once(now=now)
    [run] = runs_of(db, "daily")
    assert (run.run_type, run.run_id) == ("scheduled", f"scheduled__{today.isoformat()}")
    assert (run.logical_date, run.data_interval_start, run.data_interval_end) == (today, today, today)
    assert run.state == "running" and len(result.dispatched) == 1
    row = dag_row(db, "daily")
    tomorrow = today + timedelta(days=1)
    assert (row.next_dagrun, row.next_dagrun_data_interval_start) == (tomorrow, tomorrow)
    assert (row.next_dagrun_data_interval_end, row.next_dagrun_create_after) == (tomorrow, tomorrow)
    assert result.next_wake == tomorrow  # the loop wakes for the next tick

    for minutes in (1, 60, 60 * 12):
        scheduler.run_once(now=min(now + timedelta(minutes=minutes), tomorrow - timedelta(seconds=1)))
    assert len(runs_of(db, "daily")) == 1
    scheduler.run_once(now=tomorrow)
    assert [r.logical_date for r in runs_of(db, "daily")] == [today, tomorrow]


def test_catchup_off_with_data_intervals_creates_only_the_latest_interval(settings, db, write_dag):
    """[scheduler] create_cron_data_intervals on (Airflow 2): the run of yesterday's complete day."""
    now, today = real_time()
    daily(write_dag, catchup=False, start=today - timedelta(days=10))
    intervals = settings.replace(create_cron_data_intervals=True)
    processor = DagFileProcessor(intervals, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    result = Scheduler(intervals, db, RecordingExecutor()).run_once(now=now)
    [run] = runs_of(db, "daily")
    yesterday, tomorrow = today - timedelta(days=1), today + timedelta(days=1)
    assert (run.run_type, run.run_id) == ("scheduled", f"scheduled__{yesterday.isoformat()}")
    assert (run.logical_date, run.data_interval_start, run.data_interval_end) == (yesterday, yesterday, today)
    row = dag_row(db, "daily")
    assert (row.next_dagrun, row.next_dagrun_data_interval_start) == (today, today)
    assert (row.next_dagrun_data_interval_end, row.next_dagrun_create_after) == (tomorrow, tomorrow)
    assert result.next_wake == tomorrow


def test_catchup_on_creates_every_missed_run_within_max_active_runs(settings, db, write_dag, parse):
    daily(write_dag, catchup=True, max_active_runs=3)
    parse()
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    now = T0
    seen_active = []
    for _ in range(12):
        scheduler.run_once(now=now)
        seen_active.append(active(db, "daily"))
        executor.succeed_all(db, now)
        scheduler.run_once(now=now)  # the finished runs are recorded
        now += timedelta(seconds=1)
    # A run at each midnight from start_date up to now, the 11th's included (Airflow 3's default).
    runs = runs_of(db, "daily")
    assert [r.logical_date for r in runs] == [day(d) for d in range(1, 12)]
    assert len({r.run_id for r in runs}) == 11
    assert {r.state for r in runs} == {"success"}
    assert max(seen_active) == 3 and all(n <= 3 for n in seen_active)
    assert [(r.data_interval_start, r.data_interval_end) for r in runs] == [(day(d), day(d)) for d in range(1, 12)]

    # Passes again, a re-parse, and passes after it create nothing twice.
    scheduler.run_once(now=now)
    parse()
    scheduler.run_once(now=now)
    assert len(runs_of(db, "daily")) == 11
    assert dag_row(db, "daily").next_dagrun == day(12)


def test_queued_runs_are_created_only_up_to_max_active_runs(settings, db, write_dag, parse):
    daily(write_dag, catchup=True, max_active_runs=2)
    parse()
    scheduler = Scheduler(settings, db, RecordingExecutor())
    for seconds in range(5):
        scheduler.run_once(now=T0 + timedelta(seconds=seconds))
    assert [r.logical_date for r in runs_of(db, "daily")] == [day(1), day(2)]
    # The DAG is still due but blocked: that is no reason to wake the loop early.
    assert scheduler.run_once(now=T0 + timedelta(seconds=6)).next_wake is None


def test_manual_runs_count_towards_max_active_runs(settings, db, write_dag, parse):
    daily(write_dag, catchup=True, max_active_runs=2)
    parse()
    trigger_dag(db, "daily", now=T0)
    Scheduler(settings, db, RecordingExecutor()).run_once(now=T0)
    assert [r.run_type for r in runs_of(db, "daily")] == ["scheduled", "manual"]


def test_paused_dag_gets_no_runs_and_unpausing_creates_the_missed_ones(settings, db, write_dag, parse):
    daily(write_dag, catchup=True, max_active_runs=16)
    parse()
    with db.write() as session:
        dag_store.set_paused(session, "daily", True)
    scheduler = Scheduler(settings, db, RecordingExecutor())
    for hours in range(3):
        scheduler.run_once(now=T0 + timedelta(hours=hours))
    assert runs_of(db, "daily") == []
    with db.write() as session:
        dag_store.set_paused(session, "daily", False, now=T0 + timedelta(days=2))
    assert dag_row(db, "daily").next_dagrun == day(1)
    scheduler.run_once(now=T0 + timedelta(days=2))
    assert [r.logical_date for r in runs_of(db, "daily")] == [day(d) for d in range(1, 14)]


def test_unpausing_with_catchup_off_creates_only_the_latest(settings, db, write_dag, parse):
    now, today = real_time()
    daily(write_dag, catchup=None, start=today - timedelta(days=10))  # catchup_by_default is off
    parse()
    scheduler = Scheduler(settings, db, RecordingExecutor())
    scheduler.run_once(now=now)
    with db.write() as session:
        dag_store.set_paused(session, "daily", True)
    later = now + timedelta(days=5)
    scheduler.run_once(now=later)
    with db.write() as session:
        dag_store.set_paused(session, "daily", False, now=later)
    scheduler.run_once(now=later)
    assert [r.logical_date for r in runs_of(db, "daily")] == [today, today + timedelta(days=5)]


def test_catchup_by_default_setting(settings, db, write_dag):
    daily(write_dag, catchup=None, max_active_runs=16)
    custom = settings.replace(catchup_by_default=True)
    processor = DagFileProcessor(custom, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    Scheduler(custom, db, RecordingExecutor()).run_once(now=T0)
    assert len(runs_of(db, "daily")) == 11  # each midnight from the 1st to the 11th


def test_use_job_schedule_off_creates_no_runs(settings, db, write_dag, parse):
    daily(write_dag, catchup=True)
    parse()
    Scheduler(settings.replace(use_job_schedule=False), db, RecordingExecutor()).run_once(now=T0)
    assert runs_of(db, "daily") == []


ONCE_AND_END = """
from datetime import datetime, timedelta
from slipstream import DAG, EmptyOperator

with DAG("once", start_date=datetime(2024, 1, 5), schedule="@once") as once:
    EmptyOperator(task_id="t")

with DAG("ends", start_date=datetime(2024, 1, 1), end_date=datetime(2024, 1, 3), schedule="@daily",
         catchup=True) as ends:
    EmptyOperator(task_id="t")

with DAG("every_6h", start_date=datetime(2024, 1, 10), schedule=timedelta(hours=6), catchup=True) as delta:
    EmptyOperator(task_id="t")

with DAG("manual", start_date=datetime(2024, 1, 1), schedule=None) as manual:
    EmptyOperator(task_id="t")
"""


def test_once_end_date_timedelta_and_manual(settings, db, write_dag, parse):
    write_dag("various.py", ONCE_AND_END)
    parse()
    scheduler = Scheduler(settings, db, RecordingExecutor())
    for seconds in range(3):
        scheduler.run_once(now=T0 + timedelta(seconds=seconds))
    assert [(r.logical_date, r.data_interval_end) for r in runs_of(db, "once")] == [(day(5), day(5))]
    assert [r.logical_date for r in runs_of(db, "ends")] == [day(1), day(2), day(3)]
    # A run every 6 hours from start_date, the tick at midnight of the 11th included.
    assert [r.logical_date for r in runs_of(db, "every_6h")] == [day(10) + timedelta(hours=h) for h in (0, 6, 12, 18, 24)]
    assert {r.data_interval_start == r.data_interval_end for d in ("ends", "every_6h") for r in runs_of(db, d)} == {True}
    assert runs_of(db, "manual") == []
    for dag_id in ("once", "ends", "manual"):
        assert dag_row(db, dag_id).next_dagrun is None
    # The empty tasks are finished by the scheduler itself: every run succeeded.
    assert {r.state for d in ("once", "ends", "every_6h") for r in runs_of(db, d)} == {"success"}


BAD = {
    "no_start.py": (
        "from slipstream import DAG, EmptyOperator\nfrom airflow.timetables.interval import CronDataIntervalTimetable\n"
        "with DAG('no_start', schedule=CronDataIntervalTimetable('@daily', timezone='UTC')) as dag:\n"
        "    EmptyOperator(task_id='t')\n",
        "DAG 'no_start' has a schedule but no start_date",
    ),
    "bad_cron.py": (
        "from datetime import datetime\nfrom slipstream import DAG, EmptyOperator\n"
        "with DAG('bad_cron', start_date=datetime(2024, 1, 1), schedule='61 * * * *') as dag:\n"
        "    EmptyOperator(task_id='t')\n",
        "Invalid cron expression '61 * * * *' of DAG 'bad_cron'",
    ),
    "ends_early.py": (
        "from datetime import datetime\nfrom slipstream import DAG, EmptyOperator\n"
        "with DAG('ends_early', start_date=datetime(2024, 1, 2), end_date=datetime(2024, 1, 1), schedule='@daily') as dag:\n"
        "    EmptyOperator(task_id='t')\n",
        "DAG 'ends_early': end_date 2024-01-01 00:00:00 is before start_date 2024-01-02 00:00:00",
    ),
}


def test_bad_schedules_are_import_errors_naming_the_dag(settings, db, write_dag, parse):
    """Data intervals need a start_date; a cron string (runs at each tick, Airflow 3's default)
    starts from now without one."""
    for name, (source, _) in BAD.items():
        write_dag(name, source)
    write_dag("no_start_string.py", "from slipstream import DAG, EmptyOperator\n"
              "with DAG('no_start_string', schedule='@daily') as dag:\n    EmptyOperator(task_id='t')\n")
    parse()
    with db.read() as session:
        errors = {e.filename.rsplit("/", 1)[-1]: e.exception for e in dag_store.list_import_errors(session)}
        assert [d.dag_id for d in dag_store.list_dags(session)] == ["no_start_string"]
    for name, (_, message) in BAD.items():
        assert message in errors[name], errors[name]


def test_seed004_catches_up_one_run_per_day_from_2020(settings, db, seed_dags):
    """EXPECTED.md: `@daily` from 2020-01-01, with catchup on: one run per day since then, at most
    max_active_runs (16 by default) at a time, worked through in order, no duplicates."""
    shutil.copy(seed_dags / "fixed" / "seed004_parallel_dag_fixed.py", settings.dags_folder)
    custom = settings.replace(catchup_by_default=True)
    processor = DagFileProcessor(custom, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    executor = RecordingExecutor()
    scheduler = Scheduler(custom, db, executor)
    now = datetime(2020, 2, 10, 12, tzinfo=UTC)  # 40 days after start_date
    most_active = 0
    for _ in range(30):
        scheduler.run_once(now=now)
        most_active = max(most_active, active(db, "parallel_dag_fixed"))
        executor.succeed_all(db, now)
        now += timedelta(seconds=1)
    runs = runs_of(db, "parallel_dag_fixed")
    # Each midnight from 2020-01-01 to 2020-02-10 (Airflow 3's runs at each tick).
    assert [r.logical_date for r in runs] == [datetime(2020, 1, 1, tzinfo=UTC) + timedelta(days=d) for d in range(41)]
    assert len({r.run_id for r in runs}) == 41 and {r.run_type for r in runs} == {"scheduled"}
    assert most_active == custom.max_active_runs_per_dag == 16
    by_creation = sorted(runs, key=lambda r: r.id)
    assert by_creation == runs  # created in logical date order
    assert {r.state for r in runs} == {"success"}


E2E = """
from datetime import datetime
from slipstream import DAG, BashOperator, EmptyOperator

with DAG("e2e_daily", start_date=datetime({start}), schedule="@daily", catchup=True, max_active_runs=2) as dag:
    BashOperator(task_id="report", bash_command="echo interval {{{{ data_interval_start }}}}") >> EmptyOperator(task_id="done")
"""


def test_local_executor_works_through_a_catchup(settings, db, write_dag, parse, harness, run_results):
    """The real loop and task processes: the ticks of three missed days and today's, two at a time,
    all succeed."""
    import time

    _, today = real_time()
    start = today - timedelta(days=3)
    write_dag("e2e.py", E2E.format(start=f"{start.year}, {start.month}, {start.day}"))
    parse()
    harness.executor.wake()
    deadline = time.monotonic() + 60
    while True:
        runs = runs_of(db, "e2e_daily")
        if len(runs) == 4 and {r.state for r in runs} == {"success"}:
            break
        assert sum(r.state in ("queued", "running") for r in runs) <= 2
        assert time.monotonic() < deadline, [(r.run_id, r.state) for r in runs]
        time.sleep(0.05)
    assert [r.logical_date for r in runs] == [start + timedelta(days=d) for d in range(4)]
    results = run_results({r.run_id: r for r in runs})
    first = runs[0]
    results.runs = {"e2e_daily": first}
    results.assert_all_succeeded("e2e_daily", {"report", "done"})
    results.assert_log_holds("e2e_daily", "report", f"interval {start}")
