"""BranchDayOfWeekOperator and BranchDateTimeOperator in a real run (``slipstream dags test``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from slipstream.operators.datetime_branch import target_times_as_dates
from slipstream.operators.weekday import WeekDay

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]


def test_week_days_from_names_enums_and_collections() -> None:
    assert WeekDay.get_weekday_number("sunday") == 7
    assert WeekDay.validate_week_day("Monday") == {1}
    assert WeekDay.validate_week_day({WeekDay.SATURDAY, "Sunday"}) == {6, 7}
    with pytest.raises(AttributeError, match='Invalid Week Day passed: "Mon"'):
        WeekDay.validate_week_day("Mon")
    with pytest.raises(TypeError, match="Unsupported type for week_day"):
        WeekDay.validate_week_day(3)  # type: ignore[arg-type]


def test_times_of_day_become_dates_and_a_window_may_cross_midnight() -> None:
    now = datetime(2024, 5, 1, 23, 30)
    assert target_times_as_dates(now, time(22), time(2)) == (datetime(2024, 5, 1, 22), datetime(2024, 5, 2, 2))
    assert target_times_as_dates(now, None, time(1)) == (None, datetime(2024, 5, 1, 1))


BRANCH_DAG = '''
from datetime import datetime, time

from airflow.operators.empty import EmptyOperator
from airflow.providers.standard.operators.datetime import BranchDateTimeOperator
from airflow.providers.standard.operators.weekday import BranchDayOfWeekOperator
from airflow.providers.standard.utils.weekday import WeekDay
from airflow.sdk import DAG

with DAG("weekday_branches", start_date=datetime(2024, 1, 1), schedule=None):
    on_logical_day = BranchDayOfWeekOperator(
        task_id="on_logical_day", week_day={{WeekDay.{day}}}, use_task_logical_date=True,
        follow_task_ids_if_true="day_matches", follow_task_ids_if_false="day_differs",
    )
    on_logical_day >> [EmptyOperator(task_id="day_matches"), EmptyOperator(task_id="day_differs")]
    whole_day = BranchDateTimeOperator(
        task_id="whole_day", target_lower=time(0, 0), target_upper=time(23, 59, 59, 999999),
        follow_task_ids_if_true="inside", follow_task_ids_if_false="outside",
    )
    whole_day >> [EmptyOperator(task_id="inside"), EmptyOperator(task_id="outside")]
    in_the_past = BranchDateTimeOperator(
        task_id="in_the_past", target_lower=None, target_upper=datetime(2000, 1, 1),
        follow_task_ids_if_true="before_2000", follow_task_ids_if_false="after_2000",
    )
    in_the_past >> [EmptyOperator(task_id="before_2000"), EmptyOperator(task_id="after_2000")]
'''


def test_the_branches_follow_the_day_and_the_time(home: Path) -> None:
    logical = datetime(2024, 5, 4, tzinfo=UTC)  # a Saturday
    (home / "dags" / "branches.py").write_text(textwrap.dedent(BRANCH_DAG.format(day="SATURDAY")))
    env = {**os.environ, "SLIPSTREAM__CORE__LOAD_EXAMPLES": "false", "COLUMNS": "250"}
    done = subprocess.run(
        [*SLIPSTREAM, "dags", "test", "weekday_branches", logical.isoformat()],
        capture_output=True, text=True, timeout=120, env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    states = dict(re.findall(r"^\W*(\w+)\s+\W\s*(success|skipped|failed)\b", done.stdout, re.MULTILINE))
    assert states == {
        "on_logical_day": "success", "day_matches": "success", "day_differs": "skipped",
        "whole_day": "success", "inside": "success", "outside": "skipped",
        "in_the_past": "success", "before_2000": "skipped", "after_2000": "success",
    }, done.stdout
