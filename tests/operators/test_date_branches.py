"""BranchDayOfWeekOperator and BranchDateTimeOperator, run through the real runner against a
given logical date (use_task_logical_date) and against now."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from slipstream.operators.branch_datetime import BranchDateTimeOperator, target_times_as_dates
from slipstream.operators.empty import EmptyOperator
from slipstream.operators.weekday import BranchDayOfWeekOperator, WeekDay
from slipstream.runner.context import DagRunInfo
from slipstream.runner.task_runner import execute_task
from slipstream.sdk import DAG
from slipstream.sdk.exceptions import DagDefinitionError

WEDNESDAY = datetime(2024, 1, 3, 10, 30, tzinfo=UTC)


def skipped_by(branch_type: type, logical: datetime = WEDNESDAY, start_date: datetime | None = None, **kwargs) -> tuple:
    dag = DAG("branches", start_date=start_date)
    branch = branch_type(task_id="branch", dag=dag, follow_task_ids_if_true="yes", follow_task_ids_if_false="no", **kwargs)
    branch >> [EmptyOperator(task_id="yes", dag=dag), EmptyOperator(task_id="no", dag=dag)]
    info = DagRunInfo(
        id=1, dag_id="branches", run_id="r", run_type="manual", logical_date=logical,
        data_interval_start=logical, data_interval_end=logical,
    )
    result = execute_task(dag, "branch", info, store=None, map_index=-1, try_number=1, max_tries=0)
    assert result.state == "success", result.error
    return result.skip_task_ids


@pytest.mark.parametrize(
    ("week_day", "skipped"),
    [
        ("Wednesday", ("no",)),
        ("monday", ("yes",)),
        ({WeekDay.SATURDAY, WeekDay.SUNDAY}, ("yes",)),
        (["Tuesday", WeekDay.WEDNESDAY], ("no",)),
        (WeekDay.WEDNESDAY, ("no",)),
    ],
)
def test_day_of_week_branch_on_the_logical_date(week_day, skipped):
    assert skipped_by(BranchDayOfWeekOperator, week_day=week_day, use_task_logical_date=True) == skipped


def test_day_of_week_branch_on_today():
    today = datetime.now(UTC).strftime("%A")
    assert skipped_by(BranchDayOfWeekOperator, week_day=today) == ("no",)


def test_an_unknown_day_is_refused():
    with pytest.raises(AttributeError, match="Invalid week day 'Funday'"):
        BranchDayOfWeekOperator(task_id="b", follow_task_ids_if_true="a", follow_task_ids_if_false="b", week_day="Funday")
    with pytest.raises(TypeError, match="week_day must be a day name"):
        WeekDay.validate_week_day(3)


@pytest.mark.parametrize(
    ("lower", "upper", "skipped"),
    [
        (time(10, 0), time(11, 0), ("no",)),
        (time(11, 0), time(12, 0), ("yes",)),
        (time(22, 0), time(11, 0), ("yes",)),  # 22:00 to 11:00 the next day: 10:30 today is before it
        (None, time(11, 0), ("no",)),
        (datetime(2024, 1, 3, 10, 0), datetime(2024, 1, 3, 11, 0), ("no",)),  # naive: the DAG's zone, UTC
        (datetime(2024, 1, 4), None, ("yes",)),
    ],
)
def test_datetime_branch_on_the_logical_date(lower, upper, skipped):
    kwargs = {"target_lower": lower, "target_upper": upper, "use_task_logical_date": True}
    assert skipped_by(BranchDateTimeOperator, **kwargs) == skipped


def test_naive_bounds_are_in_the_dags_time_zone():
    # 10:30 UTC is 11:30 in Paris: inside 11:00-12:00 there, outside it in UTC
    paris = datetime(2024, 1, 1, tzinfo=ZoneInfo("Europe/Paris"))
    kwargs = {"target_lower": time(11, 0), "target_upper": time(12, 0), "use_task_logical_date": True}
    assert skipped_by(BranchDateTimeOperator, start_date=paris, **kwargs) == ("no",)
    assert skipped_by(BranchDateTimeOperator, **kwargs) == ("yes",)


def test_datetime_branch_against_now():
    now = datetime.now(UTC)
    kwargs = {"target_lower": now - timedelta(hours=1), "target_upper": now + timedelta(hours=1)}
    assert skipped_by(BranchDateTimeOperator, **kwargs) == ("no",)


def test_datetime_branch_needs_a_bound():
    with pytest.raises(DagDefinitionError, match="target_lower and target_upper are both None"):
        BranchDateTimeOperator(
            task_id="b", follow_task_ids_if_true="a", follow_task_ids_if_false="c", target_lower=None, target_upper=None
        )
    base = datetime(2024, 1, 3, 12, 0)
    assert target_times_as_dates(base, time(23, 0), time(1, 0)) == (datetime(2024, 1, 3, 23), datetime(2024, 1, 4, 1))
