"""``macros``: the modules and date helpers Airflow documents, also as ``airflow.macros``."""

from __future__ import annotations

import datetime as dt
import json
import random
import time
import uuid
from pathlib import Path

import pytest

from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.operators.bash import BashOperator
from slipstream.runner.context import DagRunInfo
from slipstream.runner.task_runner import execute_task
from slipstream.sdk import DAG, macros

LOGICAL = dt.datetime(2024, 1, 31, tzinfo=dt.UTC)


def test_ds_add() -> None:
    assert macros.ds_add("2015-01-06", -5) == "2015-01-01"
    assert macros.ds_add("2024-02-28", 2) == "2024-03-01"
    assert macros.ds_add("2024-02-28", 0) == "2024-02-28"


def test_ds_format() -> None:
    assert macros.ds_format("2015-01-01", "%Y-%m-%d", "%m-%d-%y") == "01-01-15"
    assert macros.ds_format("1/5/2015", "%m/%d/%Y", "%Y-%m-%d") == "2015-01-05"


def test_datetime_diff_for_humans() -> None:
    now = dt.datetime.now(dt.UTC)
    assert macros.datetime_diff_for_humans(now - dt.timedelta(days=3, minutes=1)) == "3 days ago"
    assert macros.datetime_diff_for_humans(now + dt.timedelta(hours=2, minutes=1)) == "in 2 hours"
    base = dt.datetime(2024, 1, 1)
    assert macros.datetime_diff_for_humans(base + dt.timedelta(weeks=1), base) == "1 week after"
    assert macros.datetime_diff_for_humans(base - dt.timedelta(seconds=5), base) == "5 seconds before"


def test_the_modules_airflow_documents() -> None:
    assert macros.datetime is dt.datetime
    assert macros.timedelta is dt.timedelta
    assert macros.json is json and macros.time is time and macros.uuid is uuid
    assert macros.random is random.random
    assert macros.dateutil.relativedelta.relativedelta(months=1)
    assert macros.dateutil.parser.parse("2024-05-01").year == 2024


def test_ds_format_locale_needs_babel() -> None:
    try:
        import babel  # noqa: F401
    except ImportError:
        with pytest.raises(ImportError, match="pip install babel"):
            macros.ds_format_locale("2015-01-01", "%Y-%m-%d", "EEEE dd MMMM", "en_US")
    else:
        assert macros.ds_format_locale("2015-01-01", "%Y-%m-%d", "EEEE dd MMMM", "en_US") == "Thursday 01 January"


def test_airflow_macros_is_this_module() -> None:
    with airflow_imports():
        from airflow.macros import ds_add
        from airflow.utils.template import literal

        assert ds_add("2024-01-01", 1) == "2024-01-02"
        assert literal("x").value == "x"


def test_macros_in_a_running_task(tmp_path: Path) -> None:
    dag = DAG("m", fileloc=str(tmp_path / "m.py"))
    BashOperator(
        task_id="t", dag=dag,
        bash_command="echo {{ macros.ds_add(ds, 1) }} {{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m') }} "
        "{{ (logical_date + macros.timedelta(hours=5)).hour }} "
        "{{ (logical_date + macros.dateutil.relativedelta.relativedelta(months=1)) | ds }} "
        "{{ macros.json.dumps({'a': 1}) | replace(' ', '') }} {{ macros.uuid.uuid4() | string | length }}",
    )
    info = DagRunInfo(
        id=1, dag_id="m", run_id="r", run_type="manual", logical_date=LOGICAL, data_interval_start=LOGICAL,
        data_interval_end=LOGICAL,
    )
    result = execute_task(dag, "t", info, store=None, map_index=-1, try_number=1, max_tries=0)
    assert result.state == "success", result.error
    assert dict(result.xcoms)["return_value"] == "2024-02-01 31/01 5 2024-02-29 {a:1} 36"  # bash drops the quotes
