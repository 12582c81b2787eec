"""The state lines' order (cli/state_console.py): a try's start found by polling, after lines of
later events were already due, is still printed in its place; a task instance's lines and a
run's final line keep their order. A real store; the scheduler's changes given as it gives them."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from slipstream.cli.state_console import StateLines
from slipstream.store import dag_runs, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI


def _run(db, tasks):
    specs = [dag_runs.TaskSpec(t, "PythonOperator", 1, "default_pool", 1, "default", 1) for t in tasks]
    with db.write() as session:
        dag_runs.create(session, dag_id="d", run_id="r", run_type="manual", tasks=specs, now=utcnow())
        return {t.task_id: t.id for t in task_instances.for_run(session, "d", "r")}


def _start(db, ti_id: int, at: datetime) -> None:
    with db.write() as session:
        task_instances.set_state(session, ti_id, TI.NONE, TI.SCHEDULED)
        task_instances.queue_tries(session, [ti_id], at)
        assert task_instances.start_try(session, ti_id, 1, "host", 1, at) is not None


def test_lines_are_printed_in_the_order_things_happened(db):
    ids = _run(db, ["early", "late"])
    printed: list[tuple[str, datetime]] = []
    lines = StateLines(db, lambda line, _state, _is_run, when: printed.append((line, when))).start()
    t0 = utcnow()
    lines.on_change("task_instance", ("d", "r", "early", -1, "queued"))
    lines.on_change("task_instance", ("d", "r", "late", -1, "queued"))
    _start(db, ids["early"], t0 + timedelta(milliseconds=1))  # found by the next poll only
    time.sleep(0.05)
    lines.on_change("task_instance", ("d", "r", "late", -1, "scheduled"))  # a line due after early's start
    time.sleep(1.0)  # a poll finds early running
    lines.on_change("dag_run", ("d", "r", "running"))
    lines.stop()
    texts = [line for line, _ in printed]
    times = [when for _, when in printed]
    assert times == sorted(times), printed
    assert texts.index("d.early r: running") < texts.index("d.late r: scheduled"), texts
    assert texts.index("d.early r: queued") < texts.index("d.early r: running"), texts
    assert texts[-1] == "DAG run d r: running", texts


def test_a_task_instances_lines_keep_their_order_whatever_the_clocks(db):
    ids = _run(db, ["a"])
    printed: list[str] = []
    lines = StateLines(db, lambda line, _state, _is_run, _when: printed.append(line)).start()
    lines.on_change("task_instance", ("d", "r", "a", -1, "queued"))
    _start(db, ids["a"], utcnow() - timedelta(seconds=5))  # its start recorded by a clock 5 s behind
    time.sleep(0.6)
    lines.stop()
    assert printed == ["d.a r: queued", "d.a r: running"], printed
