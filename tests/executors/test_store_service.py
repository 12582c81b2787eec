"""The store service: answers a task process's calls and keeps the heartbeat of the try it claimed."""

from __future__ import annotations

import subprocess

from slipstream.executors.store_service import StoreService
from slipstream.runner.direct_store import DirectTryStore
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI

ONE_TASK = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("one", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    BashOperator(task_id="t", bash_command="true")
"""


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _queued(db, write_dag, parse):
    write_dag("one.py", ONE_TASK)
    parse()
    run = trigger_dag(db, "one")
    with db.write() as session:
        row = task_instances.find(session, task_instances.TaskInstanceKey("one", run.run_id, "t"))
        task_instances.set_state(session, row.id, TI.NONE, TI.SCHEDULED)
        try_number = task_instances.queue_tries(session, [row.id], utcnow())[row.id]
    return run, row.id, try_number


def _claim(ti_id, try_number, run, pid, log_path):
    key = ("one", run.run_id, "t", -1)
    kwargs = dict(ti_id=ti_id, try_number=try_number, hostname="here", pid=pid, now=utcnow(), key=key, log_path=log_path)
    return ("claim", kwargs)


def test_beats_while_the_channel_is_open_and_forgets_a_closed_one(db, write_dag, parse, tmp_path):
    run, ti_id, try_number = _queued(db, write_dag, parse)
    clock = Clock()
    service = StoreService(DirectTryStore(db), heartbeat_sec=5.0, clock=clock)
    status, claim = service.answer(7, _claim(ti_id, try_number, run, 12345, str(tmp_path / "1.log")))
    assert status == "ok" and claim is not None and 7 in service.live
    with db.read() as session:
        first = task_instances.get(session, ti_id).last_heartbeat_at
    assert service.tick() == 5.0, "not due yet"
    clock.now += 5.0
    assert service.tick() == 5.0
    with db.read() as session:
        assert task_instances.get(session, ti_id).last_heartbeat_at > first
    service.closed(7)
    assert service.live == {}


def test_a_try_that_is_no_longer_running_has_its_process_group_stopped(db, write_dag, parse, tmp_path):
    run, ti_id, try_number = _queued(db, write_dag, parse)
    sleeper = subprocess.Popen(["sleep", "60"], start_new_session=True)
    log = tmp_path / "1.log"
    clock = Clock()
    service = StoreService(DirectTryStore(db), heartbeat_sec=1.0, clock=clock)
    try:
        service.answer(3, _claim(ti_id, try_number, run, sleeper.pid, str(log)))
        with db.write() as session:
            assert task_instances.mark(session, ti_id, "running", "failed", utcnow())
        clock.now += 1.0
        service.tick()
        assert sleeper.wait(timeout=10) == -15
        assert "no longer the running one" in log.read_text()
        assert service.live == {}
    finally:
        sleeper.kill()
        sleeper.wait()


def test_a_finished_try_is_no_longer_beaten_for(db, write_dag, parse, tmp_path):
    run, ti_id, try_number = _queued(db, write_dag, parse)
    service = StoreService(DirectTryStore(db), heartbeat_sec=1.0, clock=Clock())
    service.answer(4, _claim(ti_id, try_number, run, 1, str(tmp_path / "1.log")))
    finish = dict(
        ti_id=ti_id, try_number=try_number, dag_run_id=run.id, key=("one", run.run_id, "t", -1), state="success",
        xcom_values=(), next_try_at=None, reason=None, started_at=utcnow(),
    )
    assert service.answer(4, ("finish", finish)) == ("ok", True)
    assert service.live == {}


def test_a_store_service_that_cannot_start_is_an_error_at_executor_start(settings) -> None:
    import dataclasses

    import pytest

    from slipstream.executors.local import LocalExecutor

    broken = dataclasses.replace(settings, sql_alchemy_conn=f"sqlite:///{settings.dags_folder}/no/such/folder/x.db")
    executor = LocalExecutor(broken)
    try:
        with pytest.raises(RuntimeError, match="store service of the local executor did not start: it ended with exit code"):
            executor.start()
    finally:
        executor.end(timeout=5)
