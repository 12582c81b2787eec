"""LocalExecutor under real SIGKILLs: a zygote or the fork server dies, and no try is lost,
failed, or counted twice; new work runs on new processes."""

from __future__ import annotations

import os
import sys
import threading
import time

import pytest

from slipstream.executors.local import LocalExecutor
from slipstream.scheduler.scheduler import Scheduler
from slipstream.scheduler.triggering import trigger_dag
from slipstream.store import task_instances

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child subreaper and /proc: Linux")

TWO_THEN_ONE = """
from datetime import datetime
from slipstream import DAG, BashOperator

with DAG("two_then_one", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 0}) as dag:
    [BashOperator(task_id=f"sleeps_{i}", bash_command="sleep 2") for i in range(2)] >> BashOperator(
        task_id="after", bash_command="echo after"
    )
"""

SLOW_TO_LOAD = """
import time
from datetime import datetime
from slipstream import DAG, BashOperator

time.sleep(3)  # the zygote is still loading this file when the test kills a process

with DAG("slow_to_load", start_date=datetime(2024, 1, 1), schedule=None, default_args={"retries": 0}) as dag:
    BashOperator(task_id="only", bash_command="echo ran")
"""


def _parent_of(pid: int) -> int:
    return int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])


def _children_of(pid: int) -> list[int]:
    return [int(p) for p in open(f"/proc/{pid}/task/{pid}/children").read().split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _rows(db, dag_id, run_id):
    with db.read() as session:
        return {row.task_id: row for row in task_instances.for_run(session, dag_id, run_id)}


def _until(check, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s")


class Loop:
    """The scheduler loop of one run, in a thread, with its executor."""

    def __init__(self, settings, db, dag_id):
        self.run = trigger_dag(db, dag_id)
        self.executor = LocalExecutor(settings)
        self.scheduler = Scheduler(settings, db, self.executor, only_run=(dag_id, self.run.run_id))
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.scheduler.run, kwargs={"stop": self.stop}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_):
        self.stop.set()
        self.executor.wake()
        self.thread.join(30)
        self.executor.end(timeout=10)


@pytest.mark.parametrize("victim", ["zygote", "fork server"])
def test_a_zygote_or_fork_server_killed_while_its_tasks_run_loses_nothing(settings, db, write_dag, parse, victim):
    """SIGKILL the zygotes of two running tries: the fork server lives, adopts the task
    processes, reports their real exits; both succeed on their first try, and the downstream
    task runs on a new zygote. SIGKILL the fork server instead: the task processes go on and
    record their results (the store service lives on), and the downstream task runs on a new
    fork server."""
    write_dag("two_then_one.py", TWO_THEN_ONE)
    parse()
    with Loop(settings, db, "two_then_one") as loop:
        rows = _until(lambda: (r := _rows(db, "two_then_one", loop.run.run_id))
                      and all(r[f"sleeps_{i}"].state == "running" for i in range(2)) and r)
        server = loop.executor._server.pid
        zygotes = {_parent_of(rows[f"sleeps_{i}"].pid) for i in range(2)}
        assert server not in zygotes
        for pid in zygotes if victim == "zygote" else [server]:
            os.kill(pid, 9)
        rows = _until(lambda: (r := _rows(db, "two_then_one", loop.run.run_id)) and r["after"].state == "success" and r)
        if victim == "zygote":
            assert _alive(server) and loop.executor._server.pid == server, "the same fork server goes on"
        else:
            assert loop.executor._server.pid != server
    assert {task: (row.state, row.try_number) for task, row in rows.items()} == {
        "sleeps_0": ("success", 1), "sleeps_1": ("success", 1), "after": ("success", 1),
    }


@pytest.mark.parametrize("victim", ["zygote", "fork server"])
def test_a_try_whose_zygote_or_fork_server_dies_before_it_starts_is_run_again_as_the_same_try(
    settings, db, write_dag, parse, victim
):
    """The try is queued and its zygote is still loading the DAG file when the zygote (or the
    whole fork server) is killed: the executor reports it at once, the scheduler puts it back to
    scheduled with its try number handed back, and it runs as try 1 on new processes."""
    write_dag("slow_to_load.py", SLOW_TO_LOAD)
    parse()
    with Loop(settings, db, "slow_to_load") as loop:
        _until(lambda: _rows(db, "slow_to_load", loop.run.run_id)["only"].state == "queued")
        server = loop.executor._server.pid
        (zygote,) = _until(lambda: _children_of(server))
        os.kill(zygote if victim == "zygote" else server, 9)
        row = _until(lambda: (r := _rows(db, "slow_to_load", loop.run.run_id)["only"]) and r.state == "success" and r)
        assert row.try_number == 1, "the lost dispatch did not count as a try"
        assert (loop.executor._server.pid == server) == (victim == "zygote")
