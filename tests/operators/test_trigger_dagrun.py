"""TriggerDagRunOperator end to end: a parent DAG triggers a child DAG, each run by a real scheduler.

``run_dag_to_end`` schedules only the parent's run, so the child's run gets its own scheduler in
a thread (``schedule_until_finished`` on the run id the parent will create).
"""

from __future__ import annotations

import threading

import pytest

from slipstream.executors.inline import InlineExecutor
from slipstream.scheduler.run_to_end import run_dag_to_end, schedule_until_finished
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.sdk.exceptions import ParamValidationError
from slipstream.store import dag_runs, task_instances, xcoms

CHILD = """
from datetime import datetime
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.python import PythonOperator

def work(params, dag_run):
    if params["fail"]:
        raise RuntimeError("the child was told to fail")
    return {"n": params["n"], "conf": dag_run.conf}

with DAG("child", start_date=datetime(2024, 1, 1), schedule=None,
         params={"n": Param(1, type="integer", minimum=0), "fail": False}) as dag:
    PythonOperator(task_id="work", python_callable=work)
"""

PARENT = """
from datetime import datetime
from airflow import DAG
from airflow.operators.trigger_dagrun import TriggerDagRunOperator
from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator as StandardTrigger

with DAG("parent", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    StandardTrigger(
        task_id="trigger", trigger_dag_id="child", trigger_run_id="{{ dag_run.conf['child_run'] }}",
        conf={"n": {{ n }}, "fail": {{ fail }}, "from": "{{ run_id }}"},
        wait_for_completion={{ wait }}, poke_interval=0.2, reset_dag_run={{ reset }},
        skip_when_already_exists={{ skip }},
    )
"""


def parent_dag(n=5, fail=False, wait=True, reset=False, skip=False) -> str:
    """The parent DAG file with these operator arguments written in (conf["from"] stays a template)."""
    source = PARENT
    for name, value in {"n": n, "fail": fail, "wait": wait, "reset": reset, "skip": skip}.items():
        source = source.replace(f"{{{{ {name} }}}}", repr(value))
    return source


@pytest.fixture
def child_scheduler(settings, db):
    """Run a scheduler for the child run ``run_id`` in a thread until ``until()`` (by default, until
    the run exists and is finished); the fixture stops and joins it."""
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def start(run_id: str, until=None) -> None:
        def finished() -> bool:
            with db.read() as session:
                run = dag_runs.get(session, "child", run_id)
            return run is not None and run.state in ("success", "failed")

        scheduler = Scheduler(settings, db, InlineExecutor(settings, db), only_run=("child", run_id))
        thread = threading.Thread(target=scheduler.run, kwargs={"stop": stop, "until": until or finished}, daemon=True)
        thread.start()
        threads.append(thread)

    yield start
    stop.set()
    for thread in threads:
        thread.join(timeout=30)


def ti_row(db, dag_id, run_id, task_id):
    with db.read() as session:
        return next(r for r in task_instances.for_run(session, dag_id, run_id) if r.task_id == task_id)


def pull(db, dag_id, run_id, task_id, key="return_value"):
    with db.read() as session:
        return xcoms.pull(session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=key)


def test_the_parent_triggers_the_child_and_waits_for_it(settings, db, write_dag, parse, child_scheduler):
    write_dag("child.py", CHILD)
    write_dag("parent.py", parent_dag())
    parse()
    child_scheduler("from_parent")
    run = run_dag_to_end(settings, db, "parent", conf={"child_run": "from_parent"}, timeout=60)
    assert run.state == "success"
    assert ti_row(db, "parent", run.run_id, "trigger").state == "success"
    assert pull(db, "parent", run.run_id, "trigger", "trigger_run_id") == "from_parent"
    with db.read() as session:
        child = dag_runs.get(session, "child", "from_parent")
    assert child.state == "success" and child.run_type == "manual"
    assert pull(db, "parent", run.run_id, "trigger", "trigger_logical_date") == child.logical_date.isoformat()
    assert pull(db, "child", "from_parent", "work") == {"n": 5, "conf": {"n": 5, "fail": False, "from": run.run_id}}


def test_a_conf_the_child_params_reject_fails_the_task_with_the_cli_message(settings, db, write_dag, parse):
    write_dag("child.py", CHILD)
    write_dag("parent.py", parent_dag(n=-3, wait=False))
    parse()
    with pytest.raises(ParamValidationError) as cli_error:
        trigger_dag(db, "child", run_id="by_cli", conf={"n": -3, "fail": False, "from": "cli"})
    run = run_dag_to_end(settings, db, "parent", conf={"child_run": "rejected"},
                         executor=InlineExecutor(settings, db), timeout=60)
    assert run.state == "failed"
    row = ti_row(db, "parent", run.run_id, "trigger")
    assert row.state == "failed"
    assert row.state_reason == f"ParamValidationError: {cli_error.value}"
    with db.read() as session:
        assert dag_runs.list_runs(session, "child") == []


def test_a_failed_child_run_fails_the_waiting_task_naming_the_run(settings, db, write_dag, parse, child_scheduler):
    write_dag("child.py", CHILD)
    write_dag("parent.py", parent_dag(fail=True))
    parse()
    child_scheduler("doomed")
    run = run_dag_to_end(settings, db, "parent", conf={"child_run": "doomed"},
                         executor=InlineExecutor(settings, db), timeout=60)
    assert run.state == "failed"
    assert ti_row(db, "parent", run.run_id, "trigger").state_reason == (
        "AirflowException: DAG run 'doomed' of DAG 'child' ended in state 'failed' (failed_states: failed)"
    )


@pytest.mark.parametrize(
    ("flags", "state", "reason"),
    [
        ({}, "failed", "AirflowException: A run with run_id 'existing' already exists for DAG 'child': set "
                       "reset_dag_run=True to clear and run it again, or skip_when_already_exists=True to skip this task"),
        ({"skip": True}, "skipped", "DAG run 'existing' of DAG 'child' already exists: skipping (skip_when_already_exists)"),
    ],
)
def test_an_existing_run_fails_or_skips(settings, db, write_dag, parse, flags, state, reason):
    write_dag("child.py", CHILD)
    write_dag("parent.py", parent_dag(wait=False, **flags))
    parse()
    trigger_dag(db, "child", run_id="existing")
    run = run_dag_to_end(settings, db, "parent", conf={"child_run": "existing"},
                         executor=InlineExecutor(settings, db), timeout=60)
    row = ti_row(db, "parent", run.run_id, "trigger")
    assert (row.state, row.state_reason) == (state, reason)


def test_reset_dag_run_clears_the_existing_run_and_runs_it_again(settings, db, write_dag, parse, child_scheduler):
    write_dag("child.py", CHILD)
    write_dag("parent.py", parent_dag(reset=True))
    parse()
    trigger_dag(db, "child", run_id="again", conf={"n": 1})
    first = schedule_until_finished(settings, db, "child", "again", executor=InlineExecutor(settings, db), timeout=60)
    assert first.state == "success"
    assert ti_row(db, "child", "again", "work").try_number == 1

    def rerun_finished() -> bool:
        with db.read() as session:
            state = dag_runs.get(session, "child", "again").state
        return ti_row(db, "child", "again", "work").try_number == 2 and state == "success"

    child_scheduler("again", until=rerun_finished)
    run = run_dag_to_end(settings, db, "parent", conf={"child_run": "again"},
                         executor=InlineExecutor(settings, db), timeout=60)
    assert run.state == "success"
    work = ti_row(db, "child", "again", "work")
    assert (work.state, work.try_number) == ("success", 2)


def test_a_trigger_run_id_that_could_leave_its_folder_fails_the_task_and_creates_nothing(settings, db, write_dag, parse):
    write_dag("child.py", CHILD)
    write_dag("parent.py", parent_dag(wait=False))
    parse()
    run = run_dag_to_end(settings, db, "parent", conf={"child_run": "../escape"},
                         executor=InlineExecutor(settings, db), timeout=60)
    assert run.state == "failed"
    reason = ti_row(db, "parent", run.run_id, "trigger").state_reason
    assert reason.startswith("AirflowException: The run_id '../escape' is not allowed: it must not contain '..'"), reason
    with db.read() as session:
        assert dag_runs.list_runs(session, "child") == []
