"""dagrun_timeout: the run fails, unfinished tasks are skipped and running ones stopped."""

from __future__ import annotations

import time

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

SLOW_RUN = """
from datetime import datetime, timedelta
from slipstream import DAG, BashOperator

with DAG("slow_run", start_date=datetime(2024, 1, 1), schedule=None, dagrun_timeout=timedelta(seconds=2)) as dag:
    BashOperator(task_id="first", bash_command="echo ok") >> BashOperator(
        task_id="long", bash_command="sleep 60"
    ) >> BashOperator(task_id="never", bash_command="echo never")
"""


def test_a_run_past_its_dagrun_timeout_fails(settings, db, write_dag, parse):
    write_dag("slow_run.py", SLOW_RUN)
    parse()
    started = time.monotonic()
    run = run_dag_to_end(settings, db, "slow_run", timeout=60)
    assert time.monotonic() - started < 15
    assert run.state == "failed"
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "slow_run", run.run_id)}
    assert rows["first"].state == "success"
    assert (rows["long"].state, rows["never"].state) == ("skipped", "skipped")
    assert "dagrun_timeout of 2 s exceeded" in rows["long"].state_reason
