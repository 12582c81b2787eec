"""Runs created by the real scheduler for each timetable class, from DAG files that import them
the way Airflow files do, parsed in child processes and stepped pass by pass with an injected clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scheduler_helpers import RecordingExecutor

from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs
from slipstream.store import dags as dag_store
from slipstream.store.clock import utcnow


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def runs_of(db, dag_id: str) -> list:
    with db.read() as session:
        return sorted(dag_runs.list_runs(session, dag_id), key=lambda r: r.logical_date)


def dag_row(db, dag_id: str):
    with db.read() as session:
        return dag_store.get_dag(session, dag_id)


def step(scheduler: Scheduler, executor: RecordingExecutor, db, now: datetime) -> None:
    """One pass at ``now``, the dispatched tasks succeed, and a pass records the finished runs."""
    scheduler.run_once(now=now)
    executor.succeed_all(db, now)
    scheduler.run_once(now=now)


TRIGGERS = """
import pendulum
from datetime import timedelta

from airflow.sdk import DAG, CronTriggerTimetable, MultipleCronTriggerTimetable
from airflow.timetables.trigger import DeltaTriggerTimetable
from airflow.timetables.interval import CronDataIntervalTimetable
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.bash import BashOperator

with DAG("cron_trigger", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True, max_active_runs=16,
         schedule=CronTriggerTimetable("0 6 * * *", timezone="Europe/Amsterdam", interval=timedelta(hours=1))):
    BashOperator(task_id="t", bash_command="true")

with DAG("delta_trigger", start_date=pendulum.datetime(2024, 1, 1, 2, tz="UTC"), catchup=True, max_active_runs=2,
         schedule=DeltaTriggerTimetable(timedelta(hours=8))):
    BashOperator(task_id="t", bash_command="true")

with DAG("two_crons", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True, max_active_runs=16,
         schedule=MultipleCronTriggerTimetable("0 0 * * *", "0 12 * * 1", timezone="UTC")):
    EmptyOperator(task_id="t")

with DAG("tokyo_intervals", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=True, max_active_runs=16,
         end_date=pendulum.datetime(2024, 1, 2, tz="UTC"),
         schedule=CronDataIntervalTimetable("0 3 * * *", timezone="Asia/Tokyo")):
    EmptyOperator(task_id="t")
"""


def test_trigger_and_interval_timetables_create_their_runs_through_the_scheduler(settings, db, write_dag, parse):
    write_dag("triggers.py", TRIGGERS)
    parse()
    with db.read() as session:
        assert dag_store.list_import_errors(session) == []
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    now = utc(2024, 1, 3, 4)
    step(scheduler, executor, db, now)

    cron = runs_of(db, "cron_trigger")  # 06:00 in Amsterdam is 05:00 UTC in winter
    assert [(r.data_interval_start, r.data_interval_end) for r in cron] == [
        (utc(2024, 1, 1, 4), utc(2024, 1, 1, 5)), (utc(2024, 1, 2, 4), utc(2024, 1, 2, 5))
    ]
    assert [r.logical_date for r in cron] == [utc(2024, 1, 1, 4), utc(2024, 1, 2, 4)]
    assert [r.state for r in cron] == ["success", "success"]

    # max_active_runs=2: two runs at a time, the next ones once they are done.
    assert [r.logical_date for r in runs_of(db, "delta_trigger")] == [utc(2024, 1, 1, 2), utc(2024, 1, 1, 10)]
    for seconds in range(1, 5):
        step(scheduler, executor, db, now + timedelta(seconds=seconds))
    assert [r.logical_date for r in runs_of(db, "delta_trigger")] == [
        utc(2024, 1, 1, 2), utc(2024, 1, 1, 10), utc(2024, 1, 1, 18), utc(2024, 1, 2, 2), utc(2024, 1, 2, 10),
        utc(2024, 1, 2, 18), utc(2024, 1, 3, 2),
    ]

    # One run at noon on Monday the 1st, one at each midnight; none twice.
    assert [r.logical_date for r in runs_of(db, "two_crons")] == [
        utc(2024, 1, 1), utc(2024, 1, 1, 12), utc(2024, 1, 2), utc(2024, 1, 3)
    ]
    # The timetable's own zone, and the end_date stops it.
    assert [(r.data_interval_start, r.data_interval_end) for r in runs_of(db, "tokyo_intervals")] == [
        (utc(2024, 1, 1, 18), utc(2024, 1, 2, 18))
    ]

    row = dag_row(db, "cron_trigger")
    assert (row.next_dagrun, row.next_dagrun_create_after) == (utc(2024, 1, 3, 4), utc(2024, 1, 3, 5))
    scheduler.run_once(now=utc(2024, 1, 3, 5))
    assert [r.logical_date for r in runs_of(db, "cron_trigger")][-1] == utc(2024, 1, 3, 4)


EVENTS_AND_DELTA = """
import pendulum
from datetime import datetime, timedelta

from airflow import DAG
from airflow.timetables.events import EventsTimetable
from airflow.timetables.trigger import DeltaTriggerTimetable
from airflow.operators.empty import EmptyOperator

EVENTS = [datetime.fromisoformat(text) for text in {events!r}]

with DAG("events", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False,
         schedule=EventsTimetable(event_dates=EVENTS, description="three matches")):
    EmptyOperator(task_id="t")

with DAG("every_2h", start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), catchup=False,
         schedule=DeltaTriggerTimetable(timedelta(hours=2))):
    EmptyOperator(task_id="t")
"""


def test_events_and_delta_without_catchup_run_when_due_even_when_the_pass_comes_late(settings, db, write_dag, parse):
    """Without catchup these timetables skip what is before now: a pass a few seconds after an
    event still creates its run, and a delta does not drift by the scheduler's lateness."""
    now = utcnow().replace(microsecond=0)
    events = [now - timedelta(days=1), now + timedelta(hours=1), now + timedelta(hours=3)]
    write_dag("events.py", EVENTS_AND_DELTA.format(events=[e.isoformat() for e in events]))
    parse()
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    assert dag_row(db, "events").next_dagrun == events[1]

    step(scheduler, executor, db, now + timedelta(minutes=30))
    assert runs_of(db, "events") == []  # the past event is skipped without catchup
    [first_delta] = runs_of(db, "every_2h")  # the delta starts from the time the DAG was seen
    started = first_delta.logical_date
    assert now - timedelta(minutes=1) <= started <= now + timedelta(minutes=1)

    for late in (5, 7):
        step(scheduler, executor, db, events[1] + timedelta(seconds=late))
    assert [r.logical_date for r in runs_of(db, "events")] == [events[1]]
    step(scheduler, executor, db, started + timedelta(hours=2, seconds=9))
    step(scheduler, executor, db, events[2] + timedelta(seconds=3))
    assert [r.logical_date for r in runs_of(db, "events")] == [events[1], events[2]]
    step(scheduler, executor, db, started + timedelta(hours=4, seconds=4))
    assert [r.logical_date for r in runs_of(db, "every_2h")] == [started + timedelta(hours=h) for h in (0, 2, 4)]
    assert dag_row(db, "events").next_dagrun is None


CONTINUOUS_AND_ONCE = """
from datetime import datetime

from airflow.sdk import DAG
from airflow.timetables.simple import ContinuousTimetable, OnceTimetable
from airflow.operators.bash import BashOperator

with DAG("continuous", start_date=datetime(2024, 1, 1), schedule="@continuous", max_active_runs=1):
    BashOperator(task_id="t", bash_command="true")

with DAG("continuous_object", start_date=datetime(2024, 1, 1), schedule=ContinuousTimetable()):
    BashOperator(task_id="t", bash_command="true")

with DAG("once_without_start", schedule=OnceTimetable()):
    BashOperator(task_id="t", bash_command="true")
"""


def test_continuous_runs_one_at_a_time_back_to_back_and_once_runs_once(settings, db, write_dag, parse):
    write_dag("continuous.py", CONTINUOUS_AND_ONCE)
    parse()
    executor = RecordingExecutor()
    scheduler = Scheduler(settings, db, executor)
    now = utcnow()
    scheduler.run_once(now=now)
    for dag_id in ("continuous", "continuous_object"):
        [first] = runs_of(db, dag_id)
        assert (first.data_interval_start, first.data_interval_end) == (utc(2024, 1, 1), now)
    scheduler.run_once(now=now + timedelta(seconds=1))
    assert len(runs_of(db, "continuous")) == 1  # the next one waits for this one
    executor.succeed_all(db, now + timedelta(seconds=2))
    scheduler.run_once(now=now + timedelta(seconds=2))  # the run is finished
    scheduler.run_once(now=now + timedelta(seconds=3))  # and the next starts
    for dag_id in ("continuous", "continuous_object"):
        first, second = runs_of(db, dag_id)
        assert first.state == "success" and second.state == "running"
        assert (second.data_interval_start, second.data_interval_end) == (now, now + timedelta(seconds=3))
    [once] = runs_of(db, "once_without_start")
    assert now - timedelta(minutes=1) <= once.logical_date <= now


MANUAL = """
import pendulum
from datetime import timedelta
from airflow.sdk import DAG, CronTriggerTimetable
from airflow.operators.empty import EmptyOperator

for dag_id, schedule in [
    ("daily_intervals", "@daily"),
    ("trigger_with_interval", CronTriggerTimetable("@daily", timezone="UTC", interval=timedelta(hours=6))),
    ("by_hand", None),
]:
    with DAG(dag_id, start_date=pendulum.datetime(2024, 1, 1, tz="UTC"), schedule=schedule):
        EmptyOperator(task_id="t")
"""


def test_manual_runs_get_the_data_interval_their_timetable_infers(settings, db, write_dag):
    """With [scheduler] create_cron_data_intervals on (Airflow 2), a cron string's manual run covers
    the last complete interval."""
    from slipstream.dagfiles.processor import DagFileProcessor

    write_dag("manual.py", MANUAL)
    processor = DagFileProcessor(settings.replace(create_cron_data_intervals=True), db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    at = utc(2024, 3, 10, 18, 30)
    intervals = {}
    for dag_id in ("daily_intervals", "trigger_with_interval", "by_hand"):
        run = trigger_dag(db, dag_id, logical_date=at)
        intervals[dag_id] = (run.logical_date, run.data_interval_start, run.data_interval_end)
    assert intervals == {
        "daily_intervals": (at, utc(2024, 3, 9), utc(2024, 3, 10)),  # the last complete day
        "trigger_with_interval": (at, at - timedelta(hours=6), at),
        "by_hand": (at, at, at),
    }


def test_manual_runs_of_a_cron_string_are_at_their_logical_date(settings, db, write_dag, parse):
    """Airflow 3's default: a cron string runs at each tick, so a manual run's data interval is the
    instant it was asked for."""
    write_dag("manual.py", MANUAL)
    parse()
    at = utc(2024, 3, 10, 18, 30)
    run = trigger_dag(db, "daily_intervals", logical_date=at)
    assert (run.logical_date, run.data_interval_start, run.data_interval_end) == (at, at, at)


def test_backfill_plans_the_runs_of_trigger_and_events_timetables():
    from slipstream.scheduler.backfill import intervals
    from slipstream.timetables import CronTriggerTimetable, DagSchedule, EventsTimetable
    from slipstream.timetables.schedule import parse_schedule

    def planned(timetable) -> list[datetime]:
        data = {"schedule": parse_schedule(timetable), "start_date": "2024-01-01T00:00:00+00:00", "end_date": None,
                "catchup": False, "timezone": "UTC"}
        found = intervals(DagSchedule.from_serialized(data), utc(2024, 1, 2), utc(2024, 1, 4, 12))
        return [info.logical_date for info in found]

    assert planned(CronTriggerTimetable("0 12 * * *", timezone="UTC")) == [utc(2024, 1, d, 12) for d in (2, 3, 4)]
    events = EventsTimetable([utc(2024, 1, 1), utc(2024, 1, 3, 8), utc(2024, 1, 9)])
    assert planned(events) == [utc(2024, 1, 3, 8)]


AIRFLOW3_STRINGS = """
from datetime import datetime, timedelta
from airflow.sdk import DAG
from airflow.operators.empty import EmptyOperator

with DAG("cron_string", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=True, max_active_runs=16):
    EmptyOperator(task_id="t")

with DAG("delta_string", start_date=datetime(2024, 1, 1), schedule=timedelta(hours=12), catchup=True,
         max_active_runs=16):
    EmptyOperator(task_id="t")
"""


def test_airflow3_default_cron_and_delta_schedules_are_trigger_timetables_when_asked(settings, db, write_dag):
    """[scheduler] create_cron_data_intervals / create_delta_data_intervals off (Airflow 3's defaults):
    a cron string or a timedelta makes a run at each tick, whose logical date is the tick."""
    from slipstream.dagfiles.processor import DagFileProcessor

    write_dag("strings.py", AIRFLOW3_STRINGS)
    airflow3 = settings.replace(create_cron_data_intervals=False, create_delta_data_intervals=False)
    processor = DagFileProcessor(airflow3, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    with db.read() as session:
        kinds = {dag_id: dag_store.get_serialized(session, dag_id).data["schedule"]["kind"]
                 for dag_id in ("cron_string", "delta_string")}
    assert kinds == {"cron_string": "cron_trigger", "delta_string": "delta_trigger"}
    Scheduler(airflow3, db, RecordingExecutor()).run_once(now=utc(2024, 1, 2, 1))
    assert [(r.logical_date, r.data_interval_end) for r in runs_of(db, "cron_string")] == [
        (utc(2024, 1, 1), utc(2024, 1, 1)), (utc(2024, 1, 2), utc(2024, 1, 2))
    ]
    assert [r.logical_date for r in runs_of(db, "delta_string")] == [utc(2024, 1, 1), utc(2024, 1, 1, 12), utc(2024, 1, 2)]
    assert dag_row(db, "cron_string").next_dagrun == utc(2024, 1, 3)


@pytest.mark.postgres
def test_trigger_timetables_and_pendulum_dates_on_postgres(settings, postgres_url, write_dag):
    """The trigger timetables' runs above, created the same way on PostgreSQL."""
    from slipstream.dagfiles.processor import DagFileProcessor
    from slipstream.store import migrate
    from slipstream.store.db import Database

    settings = settings.replace(sql_alchemy_conn=postgres_url)
    db = Database(postgres_url)
    migrate.migrate(db)
    write_dag("triggers.py", TRIGGERS)
    processor = DagFileProcessor(settings, db)
    try:
        processor.process(force=True)
    finally:
        processor.close()
    executor = RecordingExecutor()
    step(Scheduler(settings, db, executor), executor, db, utc(2024, 1, 3, 4))
    assert [r.logical_date for r in runs_of(db, "cron_trigger")] == [utc(2024, 1, 1, 4), utc(2024, 1, 2, 4)]
    assert [r.logical_date for r in runs_of(db, "two_crons")] == [
        utc(2024, 1, 1), utc(2024, 1, 1, 12), utc(2024, 1, 2), utc(2024, 1, 3)
    ]
    db.dispose()
