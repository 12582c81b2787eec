"""depends_on_past, wait_for_downstream and ignore_first_depends_on_past (Airflow's PrevDagrunDep),
with the scheduler stepped pass by pass on SQLite, and ``dags backfill --ignore-depends-on-past``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from scheduler_helpers import RecordingExecutor, run_state, states

from slipstream.scheduler.backfill import BackfillError, apply_backfill, plan_backfill, run_backfill
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow

T0 = datetime(2024, 1, 1, tzinfo=UTC)







PAST = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("past", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    a = PythonOperator(task_id="a", python_callable=lambda: None, {flags})
    b = PythonOperator(task_id="b", python_callable=lambda: None)
    a >> b
"""


def reason(db, run_id: str, task_id: str, dag_id: str = "past") -> str | None:
    with db.read() as session:
        return task_instances.find(session, task_instances.TaskInstanceKey(dag_id, run_id, task_id)).state_reason


def finish(db, workload, state: str = "success") -> None:
    with db.write() as session:
        assert task_instances.start_try(session, workload.ti_id, workload.try_number, "host", 1, utcnow())
        assert task_instances.finish_try(session, workload.ti_id, workload.try_number, state, utcnow())


@pytest.fixture
def two_runs(settings, db, write_dag, parse):
    """Two manual runs of ``past`` an hour apart (the second triggered first, to show that the
    order is by logical date), and a stepped scheduler with a recording executor."""

    def make(flags: str = "depends_on_past=True"):
        write_dag("past.py", PAST.format(flags=flags))
        parse()
        second = trigger_dag(db, "past", logical_date=T0 + timedelta(hours=1), now=T0)
        first = trigger_dag(db, "past", logical_date=T0, now=T0)
        scheduler = Scheduler(settings, db, RecordingExecutor(), clock=lambda: T0)
        return first.run_id, second.run_id, scheduler

    return make


def dispatched(scheduler, run_id: str | None = None) -> list[tuple[str, str]]:
    return [(w.run_id, w.task_id) for w in scheduler.executor.queued if run_id is None or w.run_id == run_id]


def by_key(scheduler, run_id: str, task_id: str):
    return next(w for w in scheduler.executor.queued if (w.run_id, w.task_id) == (run_id, task_id))


def test_the_first_run_is_free_and_the_second_waits_while_the_first_runs(db, two_runs):
    first, second, scheduler = two_runs()
    scheduler.run_once()
    assert dispatched(scheduler) == [(first, "a")]
    scheduler.run_once()
    assert dispatched(scheduler) == [(first, "a")]
    assert states(db, "past", second) == {"a": "none", "b": "none"}
    assert reason(db, second, "a") == f"depends_on_past: task a in the previous run {first} is queued"

    finish(db, by_key(scheduler, first, "a"))
    scheduler.run_once()
    assert (second, "a") in dispatched(scheduler)
    assert states(db, "past", second)["a"] == "queued"
    assert reason(db, second, "a") is None


def test_a_failed_previous_task_holds_the_task_and_its_run_forever(db, two_runs):
    first, second, scheduler = two_runs()
    scheduler.run_once()
    finish(db, by_key(scheduler, first, "a"), "failed")
    for _ in range(3):
        scheduler.run_once()
    assert run_state(db, "past", first) == "failed"
    assert states(db, "past", second) == {"a": "none", "b": "none"}
    assert run_state(db, "past", second) == "running"
    assert reason(db, second, "a") == f"depends_on_past: task a in the previous run {first} is failed"
    assert dispatched(scheduler, second) == []


def test_skipped_counts_as_done(db, two_runs):
    first, second, scheduler = two_runs()
    scheduler.run_once()
    finish(db, by_key(scheduler, first, "a"), "skipped")
    scheduler.run_once()
    assert (second, "a") in dispatched(scheduler)


def test_without_depends_on_past_both_runs_start_at_once(db, two_runs):
    first, second, scheduler = two_runs(flags="depends_on_past=False")
    scheduler.run_once()
    assert sorted(dispatched(scheduler)) == sorted([(first, "a"), (second, "a")])


def test_wait_for_downstream_waits_for_the_downstream_tasks_of_the_previous_run(db, two_runs):
    first, second, scheduler = two_runs(flags="wait_for_downstream=True")
    scheduler.run_once()
    finish(db, by_key(scheduler, first, "a"))
    scheduler.run_once()  # the previous a succeeded, but its downstream b has not run yet
    assert dispatched(scheduler) == [(first, "a"), (first, "b")]
    assert reason(db, second, "a") == (
        f"wait_for_downstream: task b (downstream of a) in the previous run {first} is none"
    )
    scheduler.run_once()
    assert reason(db, second, "a").endswith("is queued")
    finish(db, by_key(scheduler, first, "b"))
    scheduler.run_once()
    assert (second, "a") in dispatched(scheduler)
    assert run_state(db, "past", first) == "success"


NEW_TASK = """
from datetime import datetime
from slipstream import DAG, PythonOperator

with DAG("grows", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    old = PythonOperator(task_id="old", python_callable=lambda: None)
{extra}
"""


@pytest.mark.parametrize("ignore_first", [True, False])
def test_a_task_new_since_the_previous_run_is_free_unless_ignore_first_depends_on_past_is_off(
    settings, db, write_dag, parse, ignore_first
):
    write_dag("grows.py", NEW_TASK.format(extra=""))
    parse()
    first = trigger_dag(db, "grows", logical_date=T0, now=T0)
    extra = (
        "    new = PythonOperator(task_id='new', python_callable=lambda: None, depends_on_past=True, "
        f"ignore_first_depends_on_past={ignore_first})"
    )
    write_dag("grows.py", NEW_TASK.format(extra=extra))
    parse()
    second = trigger_dag(db, "grows", logical_date=T0 + timedelta(hours=1), now=T0)
    scheduler = Scheduler(settings, db, RecordingExecutor(), clock=lambda: T0)
    scheduler.run_once()
    started = {(w.run_id, w.task_id) for w in scheduler.executor.queued}
    assert ((second.run_id, "new") in started) is ignore_first
    assert (first.run_id, "old") in started and (second.run_id, "old") in started
    if not ignore_first:
        assert reason(db, second.run_id, "new", "grows") == (
            f"depends_on_past: task new has no task instance in the previous run {first.run_id} "
            "(ignore_first_depends_on_past is off)"
        )


DAILY = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("daily_past", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False,
         default_args={{"retries": 0}}) as dag:
    BashOperator(task_id="work", bash_command={command!r}, depends_on_past=True)
"""


def test_backfill_ignore_depends_on_past_runs_past_a_failed_previous_task(settings, db, write_dag, parse, tmp_path):
    flag = tmp_path / "fail"
    flag.touch()
    write_dag("daily_past.py", DAILY.format(command=f"if [ -f {flag} ]; then exit 1; fi"))
    parse()
    day1 = apply_backfill(db, plan_backfill(settings, db, "daily_past", T0, T0), utcnow())
    assert list(run_backfill(settings, db, day1).values()) == ["failed"]
    flag.unlink()

    day2 = apply_backfill(db, plan_backfill(settings, db, "daily_past", T0 + timedelta(days=1), T0 + timedelta(days=1)), utcnow())
    (item,) = day2.to_run
    keys = [("daily_past", item.run_id)]
    # Without the flag, the task waits for the failed one of the previous run, and says so.
    held = Scheduler(settings, db, RecordingExecutor(), only_runs=keys)
    held.run_once()
    held.run_once()
    assert held.executor.queued == []
    previous = day1.to_run[0].run_id
    assert reason(db, item.run_id, "work", "daily_past") == (
        f"depends_on_past: task work in the previous run {previous} is failed"
    )
    # With it (``dags backfill -I``), the task runs.
    assert run_backfill(settings, db, day2, ignore_depends_on_past=True) == {item.run_id: "success"}
    with db.read() as session:
        assert dag_runs.get(session, "daily_past", item.run_id).state == "success"


def test_backfill_backwards_is_refused_when_a_task_depends_on_the_past(settings, db, write_dag, parse):
    write_dag("daily_past.py", DAILY.format(command="true"))
    parse()
    with pytest.raises(BackfillError, match="Cannot backfill backwards: task.s. work depend on the past"):
        plan_backfill(settings, db, "daily_past", T0, T0 + timedelta(days=2), run_backwards=True)
