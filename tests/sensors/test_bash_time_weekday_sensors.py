"""BashSensor, TimeSensor and DayOfWeekSensor in a real run (``slipstream dags test``)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]

SENSORS_DAG = '''
from datetime import datetime, time

from airflow.providers.standard.sensors.bash import BashSensor
from airflow.providers.standard.sensors.time import TimeSensor
from airflow.providers.standard.sensors.weekday import DayOfWeekSensor
from airflow.sdk import DAG

MARK = "{mark}"

with DAG("sensors", start_date=datetime(2024, 1, 1), schedule=None,
         default_args={{"poke_interval": 0.1, "timeout": 20}}):
    # exits 1 (poke again) on the first poke, 0 on the second
    BashSensor(task_id="second_poke", bash_command=f"test -e {{MARK}} || {{{{ touch {{MARK}}; exit 1; }}}}")
    BashSensor(task_id="wrong_code", bash_command="exit 3", retry_exit_code=1)
    TimeSensor(task_id="midnight_passed", target_time=time(0, 0))
    DayOfWeekSensor(task_id="on_saturday", week_day="Saturday", use_task_logical_date=True)
    DayOfWeekSensor(task_id="on_monday", week_day={{"Monday"}}, use_task_logical_date=True, timeout=0.5,
                    soft_fail=True)
'''


def test_the_sensors_wait_and_decide_as_in_airflow(home: Path) -> None:
    mark = home / "mark"
    (home / "dags" / "sensors.py").write_text(textwrap.dedent(SENSORS_DAG.format(mark=mark)))
    env = {**os.environ, "SLIPSTREAM__CORE__LOAD_EXAMPLES": "false", "COLUMNS": "250"}
    done = subprocess.run(
        [*SLIPSTREAM, "dags", "test", "sensors", "2024-05-04T00:00:00+00:00"],  # a Saturday
        capture_output=True, text=True, timeout=120, env=env,
    )
    states = dict(re.findall(r"^\W*(\w+)\s+\W\s*(success|skipped|failed)\b", done.stdout, re.MULTILINE))
    assert states == {
        "second_poke": "success", "wrong_code": "failed", "midnight_passed": "success",
        "on_saturday": "success", "on_monday": "skipped",
    }, done.stdout + done.stderr
    assert mark.exists()
    assert "wrong_code: AirflowFailException: Command exited with return code 3" in done.stdout, done.stdout
