"""Dynamic task mapping run for real: the scheduler expands, task processes run each instance."""

from __future__ import annotations

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances, xcoms

MAPPING_DAG = '''
import os
from datetime import datetime
from airflow.decorators import dag, task
from airflow.operators.bash import BashOperator

MARKER = os.path.join(os.path.dirname(__file__), "failed-once")

@dag(schedule=None, start_date=datetime(2024, 1, 1), max_active_tasks=8)
def mapping():
    @task
    def numbers():
        return [1, 2, 3]

    @task
    def letters():
        return ["a", "b"]

    @task(map_index_template="{{ 'number ' ~ task.op_kwargs['x'] }}", retries=1, retry_delay=0)
    def add(x, y):
        if x == 2 and not os.path.exists(MARKER):
            open(MARKER, "w").close()
            raise RuntimeError("instance 1 fails on its first try")
        return x + y

    @task
    def total(values):
        return {"sum": sum(values), "count": len(values), "first": values[0], "items": list(values)}

    @task
    def double(x):
        return x * 2

    @task
    def pair(a, b):
        return f"{a}-{b}"

    @task
    def nothing():
        return []

    @task
    def never(x):
        return x

    @task
    def after_never(values):
        return "should be skipped"

    @task
    def show(item):
        return item

    added = add.partial(y=10).expand(x=numbers())
    total(added)
    double.expand(x=added)
    pair.expand(a=[1, 2], b=["x", "y", "z"])
    after_never(never.expand(x=nothing()))
    show.override(task_id="zipped").expand(item=numbers().zip(letters()))
    show.override(task_id="zipped_longest").expand(item=numbers().zip(letters(), fillvalue=None))
    show.override(task_id="mapped_fn").expand(item=numbers().map(lambda n: n * 100))
    show.override(task_id="over_dict").expand(item={"k1": 1, "k2": 2})
    BashOperator.partial(task_id="echo", env={"WHO": "world"}).expand(
        bash_command=["echo hello $WHO", "echo bye $WHO"]
    )
    BashOperator.partial(task_id="by_kwargs").expand_kwargs(
        [{"bash_command": "echo one"}, {"bash_command": "echo $N", "env": {"N": "two"}}]
    )

mapping()
'''


def _instances(db, run_id: str) -> dict[str, list]:
    with db.read() as session:
        rows = task_instances.for_run(session, "mapping", run_id)
    found: dict[str, list] = {}
    for row in sorted(rows, key=lambda r: (r.task_id, r.map_index)):
        found.setdefault(row.task_id, []).append(row)
    return found


def _values(db, run_id: str, task_id: str) -> list:
    with db.read() as session:
        count = xcoms.count_mapped(session, dag_id="mapping", run_id=run_id, task_id=task_id, key="return_value")
        return xcoms.page_mapped(
            session, dag_id="mapping", run_id=run_id, task_id=task_id, key="return_value", offset=0, limit=count
        )


def test_mapping_end_to_end(settings, db, write_dag, parse):
    write_dag("mapping.py", MAPPING_DAG)
    parse()
    run = run_dag_to_end(settings, db, "mapping", timeout=120)
    ti = _instances(db, run.run_id)
    assert run.state == "success", {k: [(r.map_index, r.state, r.state_reason) for r in v] for k, v in ti.items()}

    # one instance per item, each its own task instance, named by map_index_template
    assert [(r.map_index, r.state) for r in ti["add"]] == [(0, "success"), (1, "success"), (2, "success")]
    assert [r.rendered_map_index for r in ti["add"]] == ["number 1", "number 2", "number 3"]
    # instance 1 was retried on its own; the others ran once
    assert [r.try_number for r in ti["add"]] == [1, 2, 1]
    assert _values(db, run.run_id, "add") == [11, 12, 13]

    # the reducer got every result in map-index order
    with db.read() as session:
        total = xcoms.pull(session, dag_id="mapping", run_id=run.run_id, task_id="total", key="return_value")
    assert total == {"sum": 36, "count": 3, "first": 11, "items": [11, 12, 13]}

    # expanding over a mapped task's output: one instance per upstream instance
    assert _values(db, run.run_id, "double") == [22, 24, 26]
    # several expanded arguments: the cross product, the last argument varying fastest
    assert _values(db, run.run_id, "pair") == ["1-x", "1-y", "1-z", "2-x", "2-y", "2-z"]
    # an empty input skips the mapped task (and what needs it); the run still succeeds
    assert [(r.map_index, r.state) for r in ti["never"]] == [(-1, "skipped")]
    assert "no items" in ti["never"][0].state_reason
    assert ti["after_never"][0].state == "skipped"

    assert _values(db, run.run_id, "zipped") == [[1, "a"], [2, "b"]]
    assert _values(db, run.run_id, "zipped_longest") == [[1, "a"], [2, "b"], [3, None]]
    assert _values(db, run.run_id, "mapped_fn") == [100, 200, 300]
    assert _values(db, run.run_id, "over_dict") == [["k1", 1], ["k2", 2]]
    assert _values(db, run.run_id, "echo") == ["hello world", "bye world"]
    assert _values(db, run.run_id, "by_kwargs") == ["one", "two"]


PARALLEL_DAG = '''
import time
from datetime import datetime
from airflow.decorators import dag, task

@dag(schedule=None, start_date=datetime(2024, 1, 1))
def parallel_mapping():
    @task
    def slow(n):
        time.sleep(1)
        return n

    @task
    def fail_one(n):
        if n == 1:
            raise ValueError("item 1 is bad")
        return n

    @task
    def collect(values):
        return list(values)

    slow.expand(n=[0, 1, 2])
    collect(fail_one.expand(n=[0, 1, 2]))

parallel_mapping()
'''


def test_instances_run_in_parallel_and_fail_on_their_own(settings, db, write_dag, parse):
    write_dag("parallel_mapping.py", PARALLEL_DAG)
    parse()
    run = run_dag_to_end(settings, db, "parallel_mapping", timeout=120)
    with db.read() as session:
        rows = task_instances.for_run(session, "parallel_mapping", run.run_id)
    by_key = {(r.task_id, r.map_index): r for r in rows}
    slow = [by_key[("slow", i)] for i in range(3)]
    assert all(r.state == "success" for r in slow)
    assert max(r.start_date for r in slow) < min(r.end_date for r in slow), "the three instances overlap in time"
    assert [by_key[("fail_one", i)].state for i in range(3)] == ["success", "failed", "success"]
    assert "item 1 is bad" in by_key[("fail_one", 1)].state_reason
    assert by_key[("collect", -1)].state == "upstream_failed"
    assert run.state == "failed"


BAD_INPUT_DAG = '''
from datetime import datetime
from airflow.decorators import dag, task

@dag(schedule=None, start_date=datetime(2024, 1, 1))
def bad_mapping():
    @task
    def not_a_list():
        return 42

    @task
    def too_many():
        return list(range(5))

    @task
    def use(x):
        return x

    use.override(task_id="use_int").expand(x=not_a_list())
    use.override(task_id="use_many").expand(x=too_many())
    use.override(task_id="use_literal").expand(x=[1, 2, 3, 4, 5, 6])

bad_mapping()
'''


def test_unmappable_inputs_fail_with_a_clear_reason(settings, db, write_dag, parse):
    settings = settings.replace(max_map_length=5)
    write_dag("bad_mapping.py", BAD_INPUT_DAG)
    parse()
    run = run_dag_to_end(settings, db, "bad_mapping", timeout=120)
    with db.read() as session:
        rows = {(r.task_id, r.map_index): r for r in task_instances.for_run(session, "bad_mapping", run.run_id)}
    assert run.state == "failed"
    bad = rows[("not_a_list", -1)]
    assert bad.state == "failed"
    assert "returned int" in bad.state_reason and "'use_int' expands over it" in bad.state_reason
    assert rows[("use_int", -1)].state == "upstream_failed"
    assert rows[("too_many", -1)].state == "success"  # 5 items: exactly the limit
    assert len([k for k in rows if k[0] == "use_many"]) == 5
    literal = rows[("use_literal", -1)]
    assert literal.state == "failed"
    assert "6 instances" in literal.state_reason and "max_map_length (5)" in literal.state_reason


GROUP_DAG = '''
from datetime import datetime
from airflow.decorators import dag, task, task_group
from airflow.operators.bash import BashOperator

@dag(schedule=None, start_date=datetime(2024, 1, 1), max_active_tasks=8)
def mapped_groups():
    @task
    def numbers():
        return [1, 2, 3]

    @task
    def plus_one(x):
        return x + 1

    @task
    def check(value):
        if value == 3:
            raise ValueError("3 is not allowed")
        return value

    @task
    def after(value, offset):
        return value + offset

    @task_group
    def per_item(x, offset):
        checked = check(plus_one(x))
        BashOperator(task_id="echo", bash_command="echo item {{ ti.map_index }}") >> checked
        return after(checked, offset)

    @task(trigger_rule="all_done")
    def summary(values):
        return list(values)

    summary(per_item.partial(offset=100).expand(x=numbers()))

    @task_group(group_id="literal_group")
    def by_kwargs(word, times):
        @task
        def repeat(word, times):
            return word * times
        return repeat(word, times)

    by_kwargs.expand_kwargs([{"word": "ab", "times": 2}, {"word": "c", "times": 3}])

mapped_groups()
'''


def test_mapped_task_group_instances_follow_their_own_upstream(settings, db, write_dag, parse):
    write_dag("mapped_groups.py", GROUP_DAG)
    parse()
    run = run_dag_to_end(settings, db, "mapped_groups", timeout=120)
    with db.read() as session:
        rows = {(r.task_id, r.map_index): r for r in task_instances.for_run(session, "mapped_groups", run.run_id)}
    states = {key: row.state for key, row in rows.items()}
    assert [states[("per_item.plus_one", i)] for i in range(3)] == ["success"] * 3
    assert [states[("per_item.check", i)] for i in range(3)] == ["success", "failed", "success"]
    # instance i of 'after' follows instance i of 'check' only
    assert [states[("per_item.after", i)] for i in range(3)] == ["success", "upstream_failed", "success"]
    assert [states[("per_item.echo", i)] for i in range(3)] == ["success"] * 3
    assert _values_of(db, "mapped_groups", run.run_id, "per_item.after") == [102, 104]
    assert _values_of(db, "mapped_groups", run.run_id, "per_item.echo") == ["item 0", "item 1", "item 2"]
    assert states[("summary", -1)] == "success"
    with db.read() as session:
        summary = xcoms.pull(session, dag_id="mapped_groups", run_id=run.run_id, task_id="summary", key="return_value")
    assert summary == [102, 104]
    assert _values_of(db, "mapped_groups", run.run_id, "literal_group.repeat") == ["abab", "ccc"]


def _values_of(db, dag_id: str, run_id: str, task_id: str) -> list:
    with db.read() as session:
        return xcoms.page_mapped(
            session, dag_id=dag_id, run_id=run_id, task_id=task_id, key="return_value", offset=0, limit=1000
        )
