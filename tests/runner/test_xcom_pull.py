"""ti.xcom_pull through real task runs: every combination of task_ids, map_indexes, key,
default, include_prior_dates, dag_id and run_id returns the shape Apache Airflow 3.3 returns.

The expected shapes were read by running the same probe DAG under Airflow 3.3.2 (``dags test``).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import xcoms

PROBE = """
import json
from collections.abc import Sequence
from datetime import datetime
from slipstream.sdk import DAG, task, task_group
from slipstream.operators.bash import BashOperator

OUT = {out!r}

def shape(value):
    if value is None or isinstance(value, (str, int, dict)):
        return [type(value).__name__, value]
    kind = "list" if isinstance(value, list) else "lazy" if isinstance(value, Sequence) else type(value).__name__
    return [kind, list(value)]

def record(ti, cases):
    out = {{}}
    for name, kwargs in cases.items():
        try:
            out[name] = shape(ti.xcom_pull(**kwargs))
        except Exception as err:
            out[name] = ["raises", f"{{type(err).__name__}}: {{err}}"]
    with open(OUT, "a") as handle:
        handle.write(json.dumps({{"task": ti.task_id, "map_index": ti.map_index, "run": ti.run_id, "out": out}}) + "\\n")

with DAG("xcom_other", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def there():
        return "T"
    there()

with DAG("xcom_shapes", start_date=datetime(2024, 1, 1), schedule=None):
    @task
    def single():
        return "S"

    @task
    def other():
        return "O"

    @task
    def stamp(ds=None):
        return ds

    @task
    def only_first(ds=None):
        return "first" if ds == "2024-01-01" else None

    @task
    def mapped(x):
        return x * 10

    @task
    def one_mapped(x):
        return x

    @task
    def pusher(ti=None):
        ti.xcom_push(key="k", value="K")

    @task
    def mapped_pusher(x, ti=None):
        ti.xcom_push(key="k", value=f"K{{x}}")

    @task
    def probe(ti=None):
        record(ti, {{
            "single id": dict(task_ids="single"),
            "list one id": dict(task_ids=["single"]),
            "list two ids": dict(task_ids=["single", "other"]),
            "missing id": dict(task_ids="nope"),
            "list with missing": dict(task_ids=["single", "nope"]),
            "mapped no index": dict(task_ids="mapped"),
            "mapped index 2": dict(task_ids="mapped", map_indexes=2),
            "mapped indexes [2,3]": dict(task_ids="mapped", map_indexes=[2, 3]),
            "mapped indexes [3,2]": dict(task_ids="mapped", map_indexes=[3, 2]),
            "mapped indexes [2]": dict(task_ids="mapped", map_indexes=[2]),
            "mapped indexes range": dict(task_ids="mapped", map_indexes=range(1, 3)),
            "mapped index 9 missing": dict(task_ids="mapped", map_indexes=9),
            "mapped map_indexes=None": dict(task_ids="mapped", map_indexes=None),
            "one instance mapped": dict(task_ids="one_mapped"),
            "one instance mapped list": dict(task_ids=["one_mapped"]),
            "list [mapped] no index": dict(task_ids=["mapped"]),
            "list [mapped,single] no index": dict(task_ids=["mapped", "single"]),
            "list [mapped] index 1": dict(task_ids=["mapped"], map_indexes=1),
            "list [mapped] indexes [1,2]": dict(task_ids=["mapped"], map_indexes=[1, 2]),
            "list [mapped,single] indexes [1,-1]": dict(task_ids=["mapped", "single"], map_indexes=[1, -1]),
            "single index -1": dict(task_ids="single", map_indexes=-1),
            "single indexes [-1]": dict(task_ids="single", map_indexes=[-1]),
            "key k": dict(task_ids="pusher", key="k"),
            "key k list": dict(task_ids=["pusher"], key="k"),
            "mapped key k": dict(task_ids="mapped_pusher", key="k"),
            "mapped key k [0,1]": dict(task_ids="mapped_pusher", key="k", map_indexes=[0, 1]),
            "return_value of pusher": dict(task_ids="pusher"),
            "default missing": dict(task_ids="nope", default="D"),
            "default list missing": dict(task_ids=["nope"], default="D"),
            "default with index": dict(task_ids="nope", map_indexes=-1, default="D"),
            "default with index, list": dict(task_ids=["nope", "single"], map_indexes=-1, default="D"),
            "task_ids None": dict(task_ids=None),
            "dag_id same": dict(task_ids="single", dag_id="xcom_shapes"),
            "dag_id other, this run_id": dict(task_ids="there", dag_id="xcom_other"),
            "dag_id other, its run_id": dict(task_ids="there", dag_id="xcom_other", run_id="other_run"),
            "run_id of run 1": dict(task_ids="stamp", run_id="run_1"),
            "run_id unknown": dict(task_ids="single", run_id="nosuch"),
            "prior stamp": dict(task_ids="stamp", include_prior_dates=True),
            "prior stamp index -1": dict(task_ids="stamp", include_prior_dates=True, map_indexes=-1),
            "prior only_first": dict(task_ids="only_first", include_prior_dates=True),
            "prior only_first index -1": dict(task_ids="only_first", include_prior_dates=True, map_indexes=-1),
            "only_first this run": dict(task_ids="only_first"),
            "map_indexes a string": dict(task_ids="mapped", map_indexes="1"),
            "task_ids a number": dict(task_ids=7),
        }})

    @task_group
    def grp(x):
        @task
        def inner(x):
            return x + 100

        @task
        def in_group(value, ti=None):
            import time

            # instance i runs once inner[i] is done; the other instance of inner may still run
            for _ in range(1200):
                if None not in ti.xcom_pull(task_ids="grp.inner", map_indexes=[0, 1]):
                    break
                time.sleep(0.05)
            record(ti, {{"group sibling": dict(task_ids="grp.inner"), "sibling, this index": dict(task_ids="grp.inner", map_indexes=ti.map_index)}})
            return value

        in_group(inner(x))

    outputs = [single(), other(), stamp(), only_first(), mapped.expand(x=[1, 2, 3, 4]), one_mapped.expand(x=[7]),
               pusher(), mapped_pusher.expand(x=[1, 2])]
    outputs >> probe()
    grp.expand(x=[1, 2])
    outputs[4] >> BashOperator(task_id="templated", bash_command="echo '{{{{ ti.xcom_pull(task_ids=\\"mapped\\") }}}}'")
"""

# What Airflow 3.3.2 returned for each case in the second run (2024-01-02), as [type, value];
# "lazy" is a list in Airflow, read lazily here (a Sequence equal to it).
SECOND_RUN = {
    "single id": ["str", "S"],
    "list one id": ["list", ["S"]],
    "list two ids": ["list", ["S", "O"]],
    "missing id": ["NoneType", None],
    "list with missing": ["list", ["S", None]],
    "mapped no index": ["lazy", [10, 20, 30, 40]],
    "mapped index 2": ["int", 30],
    "mapped indexes [2,3]": ["list", [30, 40]],
    "mapped indexes [3,2]": ["list", [40, 30]],
    "mapped indexes [2]": ["list", [30]],
    "mapped indexes range": ["list", [20, 30]],
    "mapped index 9 missing": ["NoneType", None],
    "mapped map_indexes=None": ["NoneType", None],
    "one instance mapped": ["int", 7],
    "one instance mapped list": ["list", [7]],
    "list [mapped] no index": ["list", [10, 20, 30, 40]],
    "list [mapped,single] no index": ["list", [10, 20, 30, 40, "S"]],
    "list [mapped] index 1": ["list", [20]],
    "list [mapped] indexes [1,2]": ["list", [20, 30]],
    "list [mapped,single] indexes [1,-1]": ["list", [20, None, None, "S"]],
    "single index -1": ["str", "S"],
    "single indexes [-1]": ["list", ["S"]],
    "key k": ["str", "K"],
    "key k list": ["list", ["K"]],
    "mapped key k": ["lazy", ["K1", "K2"]],
    "mapped key k [0,1]": ["list", ["K1", "K2"]],
    "return_value of pusher": ["NoneType", None],
    "default missing": ["NoneType", None],
    "default list missing": ["list", [None]],
    "default with index": ["str", "D"],
    "default with index, list": ["list", ["D", "S"]],
    "task_ids None": ["NoneType", None],
    "dag_id same": ["str", "S"],
    "dag_id other, this run_id": ["NoneType", None],
    "dag_id other, its run_id": ["str", "T"],
    "run_id of run 1": ["str", "2024-01-01"],
    "run_id unknown": ["NoneType", None],
    "prior stamp": ["list", ["2024-01-01", "2024-01-02"]],
    "prior stamp index -1": ["str", "2024-01-02"],
    "prior only_first": ["str", "first"],
    "prior only_first index -1": ["str", "first"],
    "only_first this run": ["NoneType", None],
}


def _records(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_xcom_pull_returns_airflows_shapes(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "pulls.jsonl"
    write_dag("xcom_shapes.py", PROBE.format(out=str(out)))
    parse()
    assert run_dag_to_end(settings, db, "xcom_other", run_id="other_run", timeout=60).state == "success"
    first = run_dag_to_end(
        settings, db, "xcom_shapes", run_id="run_1", logical_date=datetime(2024, 1, 1, tzinfo=UTC), timeout=120
    )
    second = run_dag_to_end(
        settings, db, "xcom_shapes", run_id="run_2", logical_date=datetime(2024, 1, 2, tzinfo=UTC), timeout=120
    )
    assert (first.state, second.state) == ("success", "success")
    with db.read() as session:
        rendered = xcoms.pull(session, dag_id="xcom_shapes", run_id="run_2", task_id="templated", key="return_value")
    assert rendered == "[10, 20, 30, 40]"  # a mapped task's values render in a template as Airflow's list does
    records = _records(out)
    probe = {r["run"]: r["out"] for r in records if r["task"] == "probe"}
    second_run = probe["run_2"]
    assert {name: second_run[name] for name in SECOND_RUN} == SECOND_RUN
    # Bad arguments say what is wrong (Airflow iterates a string's characters; here it is refused).
    assert second_run["map_indexes a string"][0] == "raises"
    assert "map_indexes must be a map index, a list of map indexes or None, got '1'" in second_run["map_indexes a string"][1]
    assert "task_ids must be a task id or a list of task ids, got 7" in second_run["task_ids a number"][1]
    # In the first run there is no earlier one: one value, not a list.
    assert probe["run_1"]["prior stamp"] == ["str", "2024-01-01"]
    assert probe["run_1"]["only_first this run"] == ["str", "first"]
    # Inside a mapped task group, xcom_pull gives all of the sibling's values (as Airflow 3.3 does),
    # while the task's own argument (an XComArg) is this instance's value.
    in_group = [r for r in records if r["task"] == "grp.in_group" and r["run"] == "run_2"]
    assert sorted(r["map_index"] for r in in_group) == [0, 1]
    for r in in_group:
        assert r["out"] == {"group sibling": ["lazy", [101, 102]], "sibling, this index": ["int", 101 + r["map_index"]]}
