"""DAG files that use pendulum and Airflow 2's date idioms load through the real parser (a
child process of the parser's fork server) and keep their dates and time zones."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

from slipstream.dagfiles.parsing import parse_files


def parse_one(tmp_path: Path, source: str, default_timezone: str = "utc") -> dict:
    path = tmp_path / "dag_file.py"
    path.write_text(textwrap.dedent(source))
    [parsed] = parse_files([str(path)], timeout=30, default_timezone=default_timezone)
    assert parsed.errors == [], parsed.errors
    return {data["dag_id"]: data for data, _ in parsed.dags}


TUTORIAL_STYLE = """
import textwrap
from datetime import timedelta

import pendulum

from airflow.sdk import DAG, task
from airflow.providers.standard.operators.bash import BashOperator

with DAG(
    "pendulum_tutorial",
    default_args={"retries": 1, "retry_delay": timedelta(minutes=5)},
    schedule=timedelta(days=1),
    start_date=pendulum.datetime(2021, 1, 1, tz="UTC"),
    catchup=False,
) as dag:
    dag.doc_md = textwrap.dedent("a tutorial in the style of Airflow's")
    BashOperator(task_id="print_date", bash_command="date")


@task
def extract():
    return {"1001": 301.27}


with DAG(
    "pendulum_amsterdam",
    schedule="0 6 * * *",
    start_date=pendulum.datetime(2024, 3, 1, 6, tz="Europe/Amsterdam"),
    end_date=pendulum.datetime(2024, 12, 31, tz=pendulum.timezone("Europe/Amsterdam")),
):
    extract()
"""


def test_tutorial_style_files_written_with_pendulum_load(tmp_path: Path) -> None:
    dags = parse_one(tmp_path, TUTORIAL_STYLE)
    tutorial = dags["pendulum_tutorial"]
    assert (tutorial["start_date"], tutorial["timezone"]) == ("2021-01-01T00:00:00+00:00", "UTC")
    assert tutorial["schedule"]["kind"] == "delta_trigger" and tutorial["catchup"] is False  # Airflow 3's default
    amsterdam = dags["pendulum_amsterdam"]
    assert amsterdam["timezone"] == "Europe/Amsterdam"
    assert datetime.fromisoformat(amsterdam["start_date"]) == datetime(2024, 3, 1, 5, tzinfo=UTC)
    assert datetime.fromisoformat(amsterdam["end_date"]) == datetime(2024, 12, 30, 23, tzinfo=UTC)


AIRFLOW2_IDIOMS = """
from datetime import datetime as stdlib_datetime, timedelta

from airflow import DAG
from airflow.operators.bash_operator import BashOperator
from airflow.utils import timezone
from airflow.utils.dates import days_ago, date_range, cron_presets
from airflow.sdk import timezone as sdk_timezone

naive_in_default_zone = timezone.datetime(2021, 6, 1)
assert timezone.is_localized(naive_in_default_zone)
assert timezone.is_naive(stdlib_datetime(2021, 1, 1))
aware = timezone.make_aware(stdlib_datetime(2021, 6, 1, 12))
assert timezone.make_naive(aware) == stdlib_datetime(2021, 6, 1, 12)
assert timezone.convert_to_utc(aware).hour == 10  # Amsterdam is UTC+2 in June
assert timezone.parse("2021-06-01 12:00").utcoffset() == timedelta(hours=2)
assert timezone.coerce_datetime(stdlib_datetime(2021, 6, 1)).add(days=1).day == 2
assert abs((timezone.utcnow() - sdk_timezone.utcnow()).total_seconds()) < 60
assert timezone.utc.name == "UTC"
assert len(date_range(timezone.datetime(2021, 1, 1), timezone.datetime(2021, 1, 3), delta=timedelta(days=1))) == 3
assert cron_presets["@daily"] == "0 0 * * *"

with DAG("airflow2_timezone", start_date=naive_in_default_zone, schedule_interval="@daily"):
    BashOperator(task_id="hello", bash_command="echo hi")

with DAG("airflow2_days_ago", start_date=days_ago(2), schedule_interval=timedelta(hours=12),
         end_date=timezone.utcnow() + timedelta(days=30)):
    BashOperator(task_id="hello", bash_command="echo hi")
"""


def test_airflow2_timezone_and_dates_idioms_load(tmp_path: Path) -> None:
    dags = parse_one(tmp_path, AIRFLOW2_IDIOMS, default_timezone="Europe/Amsterdam")
    in_zone = dags["airflow2_timezone"]
    assert in_zone["timezone"] == "Europe/Amsterdam"
    assert datetime.fromisoformat(in_zone["start_date"]) == datetime(2021, 5, 31, 22, tzinfo=UTC)
    ago = dags["airflow2_days_ago"]
    start = datetime.fromisoformat(ago["start_date"])
    midnight = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert start in (midnight - timedelta(days=2), midnight - timedelta(days=1))  # the parse may cross midnight
    assert ago["timezone"] == "UTC"


TIMETABLE_IMPORTS = """
from airflow.sdk import (
    CronDataIntervalTimetable, CronPartitionTimetable, CronTriggerTimetable, DeltaDataIntervalTimetable,
    DeltaTriggerTimetable, EventsTimetable, MultipleCronTriggerTimetable, PartitionedAssetTimetable,
    PartitionedAtRuntime,
)
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable, TimeRestriction
from airflow.timetables.interval import CronDataIntervalTimetable as Interval2
from airflow.timetables.trigger import CronTriggerTimetable as Trigger2
from airflow.timetables.events import EventsTimetable as Events2
from airflow.timetables.simple import NullTimetable, OnceTimetable, ContinuousTimetable
from airflow.sdk.definitions.timetables.trigger import DeltaTriggerTimetable as Delta3

assert Trigger2 is CronTriggerTimetable and Interval2 is CronDataIntervalTimetable and Events2 is EventsTimetable
assert Delta3 is DeltaTriggerTimetable
from airflow import DAG

with DAG("partitioned_by_hand", schedule=PartitionedAtRuntime()):
    pass
"""

OWN_TIMETABLE = """
from airflow.sdk import DAG
from airflow.timetables.base import DagRunInfo, DataInterval, Timetable, TimeRestriction


class AfterWorkday(Timetable):
    def next_dagrun_info(self, *, last_automated_data_interval, restriction: TimeRestriction):
        return DagRunInfo.interval(start=restriction.earliest, end=restriction.earliest)


with DAG("own_timetable", schedule=AfterWorkday()):
    pass
"""

def test_every_timetable_name_imports_and_a_timetable_of_ones_own_says_why_not(tmp_path: Path) -> None:
    schedule = parse_one(tmp_path, TIMETABLE_IMPORTS)["partitioned_by_hand"]["schedule"]
    assert schedule["kind"] == "partitioned_at_runtime"
    for source, expected in ((OWN_TIMETABLE, "custom timetables are not supported by Slipstream"),):
        path = tmp_path / "bad_timetable.py"
        path.write_text(textwrap.dedent(source))
        [parsed] = parse_files([str(path)], timeout=30)
        assert parsed.dags == [] and expected in parsed.errors[0]["exception"], parsed.errors
