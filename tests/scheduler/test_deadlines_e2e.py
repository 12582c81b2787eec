"""Deadline alerts through the real scheduler, stepped with an injected clock: a run that misses
its deadline has its callback run once in a process of its own; a run that succeeds in time has
its deadline cleared and nothing runs."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from scheduler_helpers import run_state

from slipstream.executors.base import DeadlineRequest
from slipstream.executors.inline import InlineExecutor
from slipstream.executors.local import LocalExecutor
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs, deadlines
from slipstream.store.clock import utcnow
from slipstream.store.log_paths import callback_log_file

DAG_FILE = """
import json, time
from datetime import datetime, timedelta
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback, AsyncCallback
from airflow.providers.standard.operators.python import PythonOperator

OUT = {out!r}

def record(message, context=None, **kwargs):
    with open(OUT, "a") as handle:
        handle.write(json.dumps({{"message": message, "context": context, "kind": "sync"}}) + "\\n")

async def record_async(message, context):
    with open(OUT, "a") as handle:
        handle.write(json.dumps({{"message": message, "context": context, "kind": "async"}}) + "\\n")

with DAG(
    "{dag_id}", start_date=datetime(2024, 1, 1), schedule=None,
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(minutes=2),
        callback={callback}({target}, kwargs={{"message": "too slow"}}), name="two minutes",
    ),
) as dag:
    PythonOperator(task_id="work", python_callable=lambda: time.sleep({sleep}))
"""


def wait_for_lines(path: Path, count: int, timeout: float = 30.0) -> list[dict]:
    limit = time.monotonic() + timeout
    while time.monotonic() < limit:
        if path.exists() and len(path.read_text().splitlines()) >= count:
            break
        time.sleep(0.05)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def deadline_rows(db, dag_id: str, run_id: str) -> list:
    with db.read() as session:
        run = dag_runs.get(session, dag_id, run_id)
        return deadlines.for_run(session, run.id)


def test_a_run_that_misses_its_deadline_runs_the_callback_once_in_a_process(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "missed.jsonl"
    write_dag("slow.py", DAG_FILE.format(out=str(out), dag_id="slow", callback="SyncCallback", target="record",
                                         sleep=120))
    parse()
    t0 = utcnow()
    run = trigger_dag(db, "slow", now=t0)
    [row] = deadline_rows(db, "slow", run.run_id)
    assert (row.state, row.deadline_time, row.name) == ("pending", t0 + timedelta(minutes=2), "two minutes")

    executor = LocalExecutor(settings, parallelism=2)
    scheduler = Scheduler(settings, db, executor, clock=lambda: t0)
    try:
        executor.start()
        first = scheduler.run_once(now=t0)
        assert [w.task_id for w in first.dispatched] == ["work"]
        assert first.next_wake == t0 + timedelta(minutes=2)  # a timer for the deadline, not a poll
        assert not out.exists()

        before = scheduler.run_once(now=t0 + timedelta(minutes=1, seconds=59))
        assert not any(isinstance(c, DeadlineRequest) for c in before.callbacks)

        missed = scheduler.run_once(now=t0 + timedelta(minutes=2, seconds=1))
        assert [c.action for c in missed.callbacks if isinstance(c, DeadlineRequest)] == ["alert"]
        [call] = wait_for_lines(out, 1)
        assert call["kind"] == "sync" and call["message"] == "too slow"
        assert call["context"]["dag_run"]["dag_run_id"] == run.run_id
        assert call["context"]["dag_run"]["dag_id"] == "slow"
        assert call["context"]["dag_run"]["state"] == "running"
        assert call["context"]["deadline"]["id"] == str(row.id)
        assert datetime.fromisoformat(call["context"]["deadline"]["deadline_time"]) == row.deadline_time
        assert [r.state for r in deadline_rows(db, "slow", run.run_id)] == ["missed"]

        again = scheduler.run_once(now=t0 + timedelta(minutes=3))
        assert not any(isinstance(c, DeadlineRequest) for c in again.callbacks)
        assert again.next_wake is None or again.next_wake > t0 + timedelta(minutes=3)
        executor.wait_idle(timeout=0.5)
        assert len(wait_for_lines(out, 2, timeout=0.5)) == 1
        log = callback_log_file(settings.base_log_folder, "slow", run.run_id, "deadline")
        assert "missed its deadline two minutes" in log.read_text()
    finally:
        executor.terminate()
        executor.end(timeout=10)


def test_a_run_that_succeeds_in_time_clears_its_deadline_and_runs_nothing(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "in_time.jsonl"
    write_dag("quick.py", DAG_FILE.format(out=str(out), dag_id="quick", callback="SyncCallback", target="record",
                                          sleep=0))
    parse()
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    run = trigger_dag(db, "quick", now=t0)
    assert len(deadline_rows(db, "quick", run.run_id)) == 1
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: t0)
    scheduler.run_once(now=t0)
    scheduler.run_once(now=t0 + timedelta(seconds=5), events=[scheduler.executor.events.get_nowait()])
    assert run_state(db, "quick", run.run_id) == "success"
    assert deadline_rows(db, "quick", run.run_id) == []
    later = scheduler.run_once(now=t0 + timedelta(hours=1))
    assert later.callbacks == [] and later.next_wake is None
    assert not out.exists()


def test_an_async_callback_runs_to_completion_in_an_event_loop(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "async.jsonl"
    write_dag("stuck.py", DAG_FILE.format(out=str(out), dag_id="stuck", callback="AsyncCallback",
                                          target="record_async", sleep=0))
    parse()
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    run = trigger_dag(db, "stuck", now=t0)
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: t0)
    scheduler.run_once(now=t0, dispatch=False)  # started, its task never handed out: the run stays running
    result = scheduler.run_once(now=t0 + timedelta(minutes=5), dispatch=False)
    assert [c.action for c in result.callbacks] == ["alert"]
    [call] = wait_for_lines(out, 1)
    assert (call["kind"], call["message"]) == ("async", "too slow")
    assert call["context"]["dag_run"]["dag_run_id"] == run.run_id


def test_a_failed_run_still_misses_its_deadline(settings, db, write_dag, parse, tmp_path):
    """As in Airflow, only a run that succeeds clears its deadlines."""
    out = tmp_path / "failed.jsonl"
    source = DAG_FILE.format(out=str(out), dag_id="failing", callback="SyncCallback", target="record", sleep=0)
    write_dag("failing.py", source.replace("lambda: time.sleep(0)", "lambda: 1 / 0"))
    parse()
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    run = trigger_dag(db, "failing", now=t0)
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: t0)
    scheduler.run_once(now=t0)
    scheduler.run_once(now=t0 + timedelta(seconds=1), events=[scheduler.executor.events.get_nowait()])
    assert run_state(db, "failing", run.run_id) == "failed"
    scheduler.run_once(now=t0 + timedelta(minutes=3))
    assert [c["message"] for c in wait_for_lines(out, 1)] == ["too slow"]


CUSTOM = """
import json
from datetime import datetime, timedelta
from airflow.sdk import DAG, BaseDeadlineReference, DeadlineAlert, DeadlineReference, SyncCallback, deadline_reference
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.providers.standard.operators.python import PythonOperator

OUT = {out!r}

@deadline_reference
class NextHourAfterLogicalDate(BaseDeadlineReference):
    required_kwargs = {{"dag_id", "logical_date"}}

    def _evaluate_with(self, *, session, **kwargs):
        assert session is None and kwargs["dag_id"] == "custom"
        return kwargs["logical_date"].replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)

def record(context):
    with open(OUT, "a") as handle:
        handle.write(json.dumps(context["deadline"]) + "\\n")

with DAG("custom", start_date=datetime(2024, 1, 1), schedule=None,
         deadline=[DeadlineAlert(reference=DeadlineReference.NextHourAfterLogicalDate,
                                 interval=timedelta(minutes=15), callback=SyncCallback(record))]) as dag:
    PythonOperator(task_id="work", python_callable=lambda: None)
"""


def test_a_custom_reference_is_evaluated_in_a_process_then_alerts(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "custom.jsonl"
    write_dag("custom.py", CUSTOM.format(out=str(out)))
    parse()
    t0 = datetime(2024, 5, 1, 10, 20, tzinfo=UTC)
    run = trigger_dag(db, "custom", now=t0)
    [row] = deadline_rows(db, "custom", run.run_id)
    assert (row.state, row.deadline_time) == ("unevaluated", None)
    assert row.reference["class_path"].endswith(".NextHourAfterLogicalDate")

    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: t0)
    first = scheduler.run_once(now=t0, dispatch=False)
    assert [c.action for c in first.callbacks] == ["evaluate"]
    [row] = deadline_rows(db, "custom", run.run_id)
    expected = datetime(2024, 5, 1, 11, 15, tzinfo=UTC)
    assert (row.state, row.deadline_time) == ("pending", expected)

    waiting = scheduler.run_once(now=t0 + timedelta(seconds=1), dispatch=False)
    assert waiting.callbacks == [] and waiting.next_wake == expected
    scheduler.run_once(now=expected + timedelta(seconds=1), dispatch=False)
    [call] = wait_for_lines(out, 1)
    assert call["id"] == str(row.id) and datetime.fromisoformat(call["deadline_time"]) == expected


NOTIFIER = """
from datetime import datetime, timedelta
from airflow.sdk import DAG, AsyncCallback, BaseNotifier, DeadlineAlert, DeadlineReference, SyncCallback
from airflow.providers.standard.operators.python import PythonOperator

OUT = {out!r}

class FileNotifier(BaseNotifier):
    template_fields = ("text",)

    def __init__(self, text, context=None):
        super().__init__(context)
        self.text = text

    def notify(self, context):
        with open(OUT, "a") as handle:
            handle.write("sync " + self.text + "\\n")

    async def async_notify(self, context):
        with open(OUT, "a") as handle:
            handle.write("async " + self.text + "\\n")

with DAG("notified", start_date=datetime(2024, 1, 1), schedule=None, deadline=[
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(minutes=1),
                  callback=SyncCallback(FileNotifier, kwargs={{"text": "{{{{ dag_run.dag_run_id }}}} is late"}})),
    DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT, interval=timedelta(minutes=2),
                  callback=AsyncCallback(FileNotifier, kwargs={{"text": "still late"}})),
]) as dag:
    PythonOperator(task_id="work", python_callable=lambda: None)
"""


def test_a_notifier_class_as_the_callback_is_made_with_the_kwargs_then_notified(
    settings, db, write_dag, parse, tmp_path,
):
    out = tmp_path / "notified.txt"
    write_dag("notified.py", NOTIFIER.format(out=str(out)))
    parse()
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    run = trigger_dag(db, "notified", now=t0)
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: t0)
    scheduler.run_once(now=t0, dispatch=False)
    scheduler.run_once(now=t0 + timedelta(minutes=3), dispatch=False)
    assert sorted(out.read_text().splitlines()) == ["async still late", f"sync {run.run_id} is late"]


VARIABLE_INTERVAL = """
from datetime import datetime
from airflow.sdk import DAG, DeadlineAlert, DeadlineReference, SyncCallback
from airflow.sdk.definitions.deadline import VariableInterval
from airflow.providers.standard.operators.python import PythonOperator

def record(context):
    with open({out!r}, "a") as handle:
        handle.write(context["deadline"]["deadline_time"] + "\\n")

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None,
         deadline=DeadlineAlert(reference=DeadlineReference.DAGRUN_QUEUED_AT,
                                interval=VariableInterval("{key}"), callback=SyncCallback(record))) as dag:
    PythonOperator(task_id="work", python_callable=lambda: None)
"""


def test_a_variable_interval_is_read_for_each_run(settings, db, write_dag, parse, tmp_path, monkeypatch):
    out = tmp_path / "variable.txt"
    monkeypatch.setenv("AIRFLOW_VAR_DEADLINE_SECONDS", "90")
    write_dag("by_variable.py", VARIABLE_INTERVAL.format(out=str(out), dag_id="by_variable", key="deadline_seconds"))
    write_dag("unset.py", VARIABLE_INTERVAL.format(out=str(out), dag_id="unset", key="no_such_variable"))
    parse()
    t0 = datetime(2024, 5, 1, tzinfo=UTC)
    run = trigger_dag(db, "by_variable", now=t0)
    unset = trigger_dag(db, "unset", now=t0)
    scheduler = Scheduler(settings, db, InlineExecutor(settings, db), clock=lambda: t0)
    first = scheduler.run_once(now=t0, dispatch=False)
    assert sorted(c.action for c in first.callbacks) == ["evaluate", "evaluate"]
    [row] = deadline_rows(db, "by_variable", run.run_id)
    assert (row.state, row.deadline_time, row.interval) == ("pending", t0 + timedelta(seconds=90), 90.0)
    assert deadline_rows(db, "unset", unset.run_id) == []  # the Variable is missing: no deadline (logged)
    scheduler.run_once(now=t0 + timedelta(seconds=91), dispatch=False)
    assert [datetime.fromisoformat(line) for line in out.read_text().splitlines()] == [t0 + timedelta(seconds=90)]


def test_the_scheduler_loop_wakes_for_a_deadline_not_for_its_poll(settings, db, write_dag, parse, tmp_path):
    """With a poll interval of a minute, only the deadline's timer can wake the loop in time."""
    out = tmp_path / "loop.jsonl"
    source = DAG_FILE.format(out=str(out), dag_id="loop", callback="SyncCallback", target="record", sleep=30)
    write_dag("loop.py", source.replace("interval=timedelta(minutes=2)", "interval=timedelta(seconds=2)"))
    parse()
    settings = settings.replace(poll_interval=60.0)
    executor = LocalExecutor(settings)
    scheduler = Scheduler(settings, db, executor)
    stop = threading.Event()
    loop = threading.Thread(target=scheduler.run, kwargs={"stop": stop}, daemon=True)
    loop.start()
    try:
        time.sleep(0.5)  # the loop is waiting, with nothing to do for a minute
        started = time.monotonic()
        run = trigger_dag(db, "loop")
        executor.wake()  # as `dags trigger` would through the store (SQLite: the poll), here at once
        [call] = wait_for_lines(out, 1, timeout=20)
        took = time.monotonic() - started
    finally:
        stop.set()
        executor.wake()
        loop.join(30)
        executor.terminate()
        executor.end(timeout=30)
    assert call["context"]["dag_run"]["dag_run_id"] == run.run_id
    assert 2.0 <= took < 10.0, took
