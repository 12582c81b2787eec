"""Setup and teardown tasks end to end: DAG files written as for Airflow, parsed in child
processes, run by the scheduler with each task in its own process.

The expected states are what Apache Airflow 3.3.2 gives for the same DAGs (its ``dags test``),
written out here."""

from __future__ import annotations

import pytest

from slipstream.dagfiles.processor import DagFileProcessor
from slipstream.dagfiles.serialization import SerializedDag
from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

S, F, K, UF = "success", "failed", "skipped", "upstream_failed"

SCENARIOS = '''
from datetime import datetime

from airflow.exceptions import AirflowSkipException
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, setup, task, task_group, teardown


def ok():
    return "ok"


def fail():
    raise RuntimeError("fails on purpose")


def skip():
    raise AirflowSkipException("skips on purpose")


CALLABLES = {"ok": ok, "fail": fail, "skip": skip}


def op(task_id, what="ok", **kwargs):
    return PythonOperator(task_id=task_id, python_callable=CALLABLES[what], **kwargs)


def chain_dag(dag_id, setup_does="ok", work_does="ok", teardown_does="ok", fail_run=None):
    with DAG(dag_id, start_date=datetime(2024, 1, 1), schedule=None) as dag:
        s = op("s", setup_does).as_setup()
        w = op("w", work_does)
        kwargs = {} if fail_run is None else {"on_failure_fail_dagrun": fail_run}
        t = op("t", teardown_does).as_teardown(setups=s, **kwargs)
        s >> w >> t
    return dag


work_fails = chain_dag("st_work_fails", work_does="fail")
teardown_fails = chain_dag("st_teardown_fails", teardown_does="fail")
teardown_fails_run = chain_dag("st_teardown_fails_run", teardown_does="fail", fail_run=True)
setup_fails = chain_dag("st_setup_fails", setup_does="fail")
setup_skips = chain_dag("st_setup_skips", setup_does="skip")

with DAG("st_two_setups_one_fails", start_date=datetime(2024, 1, 1), schedule=None):
    s1, s2 = op("s1").as_setup(), op("s2", "fail").as_setup()
    w = op("w")
    t = op("t").as_teardown(setups=[s1, s2])
    [s1, s2] >> w >> t

with DAG("st_indirect_setup", start_date=datetime(2024, 1, 1), schedule=None):
    s = op("s", "fail").as_setup()
    w1 = op("w1")
    w2 = op("w2", trigger_rule="all_done")
    t = op("t").as_teardown(setups=s)
    s >> w1 >> w2 >> t

with DAG("st_after_teardown", start_date=datetime(2024, 1, 1), schedule=None):
    s = op("s").as_setup()
    w = op("w", "fail")
    t = op("t").as_teardown(setups=s)
    after = op("after")
    s >> w >> t >> after

with DAG("st_taskflow_block", start_date=datetime(2024, 1, 1), schedule=None):
    @setup
    def make():
        return "res"

    @teardown
    def drop(res):
        print("dropping", res)

    @task
    def work(res):
        raise RuntimeError("work fails")

    @task
    def other():
        return 1

    made = make()
    with drop(made):
        work(made)
        other()

with DAG("st_rshift_block", start_date=datetime(2024, 1, 1), schedule=None):
    s = op("s").as_setup()
    t = op("t").as_teardown()
    with s >> t:
        a = op("a")
        b = op("b")
        a >> b
        c = op("c")

with DAG("st_as_teardown_block", start_date=datetime(2024, 1, 1), schedule=None):
    s = op("s").as_setup()
    with op("t").as_teardown(setups=s):
        op("a", "fail")

with DAG("st_teardown_decorator_fails_run", start_date=datetime(2024, 1, 1), schedule=None):
    @setup
    def s1():
        return 1

    @teardown(on_failure_fail_dagrun=True)
    def t1():
        raise RuntimeError("teardown fails")

    @task
    def w1():
        return 2

    s1() >> w1() >> t1()

with DAG("st_mapped_group", start_date=datetime(2024, 1, 1), schedule=None):
    @setup
    def make(x):
        if x == 3:
            raise RuntimeError("setup 3 fails")
        return x

    @task
    def use(x):
        if x == 2:
            raise RuntimeError("work 2 fails")
        return x

    @teardown
    def drop(x):
        return x

    @task_group
    def per_item(x):
        made = make(x)
        use(made) >> drop(made)

    per_item.expand(x=[1, 2, 3])
'''

# dag_id -> (the run's state, each task's state), as Airflow 3.3.2 ends them.
AIRFLOW_GIVES = {
    "st_work_fails": (F, {"s": S, "w": F, "t": S}),
    "st_teardown_fails": (S, {"s": S, "w": S, "t": F}),
    "st_teardown_fails_run": (F, {"s": S, "w": S, "t": F}),
    "st_setup_fails": (F, {"s": F, "w": UF, "t": UF}),
    "st_setup_skips": (S, {"s": K, "w": K, "t": K}),
    "st_two_setups_one_fails": (F, {"s1": S, "s2": F, "w": UF, "t": S}),
    "st_indirect_setup": (F, {"s": F, "w1": UF, "w2": UF, "t": UF}),
    "st_after_teardown": (F, {"s": S, "w": F, "t": S, "after": S}),
    "st_taskflow_block": (F, {"make": S, "work": F, "other": S, "drop": S}),
    "st_rshift_block": (S, {"s": S, "a": S, "b": S, "c": S, "t": S}),
    "st_as_teardown_block": (F, {"s": S, "a": F, "t": S}),
    "st_teardown_decorator_fails_run": (F, {"s1": S, "w1": S, "t1": F}),
}


# A mapped task group: each instance's teardown follows its own setup (Airflow 3.3.2's states).
MAPPED_GROUP_GIVES = {
    ("per_item.make", 0): S, ("per_item.make", 1): S, ("per_item.make", 2): F,
    ("per_item.use", 0): S, ("per_item.use", 1): F, ("per_item.use", 2): UF,
    ("per_item.drop", 0): S, ("per_item.drop", 1): S, ("per_item.drop", 2): UF,
}


def _states(db, dag_id: str, run_id: str) -> dict[str, str]:
    with db.read() as session:
        return {r.task_id: r.state for r in task_instances.for_run(session, dag_id, run_id)}


@pytest.fixture(scope="module")
def scenario_runs(module_store):
    """Every scenario DAG parsed and run once; each test reads its own."""
    settings, db = module_store
    (settings.dags_folder / "setup_teardown_scenarios.py").write_text(SCENARIOS)
    processor = DagFileProcessor(settings, db)
    try:
        processor.process()
    finally:
        processor.close()
    runs = {dag_id: run_dag_to_end(settings, db, dag_id, timeout=60) for dag_id in [*AIRFLOW_GIVES, "st_mapped_group"]}
    return db, runs


@pytest.mark.parametrize("dag_id", list(AIRFLOW_GIVES))
def test_scenario_ends_as_in_airflow(scenario_runs, dag_id):
    db, runs = scenario_runs
    run_state, task_states = AIRFLOW_GIVES[dag_id]
    assert (runs[dag_id].state, _states(db, dag_id, runs[dag_id].run_id)) == (run_state, task_states)


def test_each_instance_of_a_mapped_group_tears_down_after_its_own_setup(scenario_runs):
    db, runs = scenario_runs
    run = runs["st_mapped_group"]
    with db.read() as session:
        found = {(r.task_id, r.map_index): r.state for r in task_instances.for_run(session, "st_mapped_group", run.run_id)}
    assert (run.state, found) == (F, MAPPED_GROUP_GIVES)


def test_the_teardown_runs_after_the_failed_work(scenario_runs):
    db, runs = scenario_runs
    with db.read() as session:
        rows = {r.task_id: r for r in task_instances.for_run(session, "st_work_fails", runs["st_work_fails"].run_id)}
    assert rows["t"].try_number == 1
    assert rows["t"].start_date >= rows["w"].end_date


# The shapes of Airflow's example_setup_teardown.py and example_setup_teardown_taskflow.py,
# written anew: operators with .as_setup()/.as_teardown(setups=...) around a task group, and
# TaskFlow with @setup/@teardown, a teardown's 'with' block and a @task_group inside it.
OPERATOR_SHAPE = '''
from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, TaskGroup

with DAG(dag_id="shape_operators", schedule=None, start_date=datetime(2021, 1, 1), catchup=False):
    open_db = BashOperator(task_id="open_db", bash_command="echo open").as_setup()
    load = BashOperator(task_id="load", bash_command="echo load")
    close_db = BashOperator(task_id="close_db", bash_command="echo close").as_teardown(setups=open_db)
    open_db >> load >> close_db
    with TaskGroup("report") as report:
        start = BashOperator(task_id="start_server", bash_command="echo start").as_setup()
        build = BashOperator(task_id="build", bash_command="echo build")
        stop = BashOperator(task_id="stop_server", bash_command="echo stop").as_teardown(setups=start)
        start >> build >> stop
    load >> report
'''

TASKFLOW_SHAPE = '''
from datetime import datetime

from airflow.sdk import DAG, setup, task, task_group, teardown

with DAG(dag_id="shape_taskflow", schedule=None, start_date=datetime(2021, 1, 1), catchup=False):

    @task
    def extract():
        return 1

    @task
    def transform():
        return 2

    @task
    def cleanup():
        return 3

    first, second, third = extract(), transform(), cleanup()
    first >> second >> third.as_teardown(setups=first)

    @setup
    def start_cluster():
        return "cluster-1"

    @teardown
    def stop_cluster(cluster_id):
        print("stopping", cluster_id)

    @task
    def crunch():
        return 4

    @task_group
    def scratch():
        @setup
        def make_dir():
            return "/tmp/scratch"

        @task
        def use_dir(path):
            print("using", path)

        @teardown
        def remove_dir(path):
            print("removing", path)

        made = make_dir()
        use_dir(made) >> remove_dir(made)

    with stop_cluster(start_cluster()):
        crunch()
        scratch()
'''

# What Airflow 3.3.2 builds from the same shapes: each task's upstream tasks, and its marks.
SHAPES = {
    "shape_operators": {
        "open_db": ([], "setup"),
        "load": (["open_db"], ""),
        "close_db": (["load", "open_db"], "teardown"),
        "report.start_server": (["load"], "setup"),
        "report.build": (["report.start_server"], ""),
        "report.stop_server": (["report.build", "report.start_server"], "teardown"),
    },
    "shape_taskflow": {
        "extract": ([], "setup"),
        "transform": (["extract"], ""),
        "cleanup": (["extract", "transform"], "teardown"),
        "start_cluster": ([], "setup"),
        "crunch": (["start_cluster"], ""),
        "stop_cluster": (["crunch", "start_cluster"], "teardown"),
        "scratch.make_dir": ([], "setup"),
        "scratch.use_dir": (["scratch.make_dir"], ""),
        "scratch.remove_dir": (["scratch.make_dir", "scratch.use_dir"], "teardown"),
    },
}


def test_dag_files_shaped_like_airflows_examples_build_and_run_as_in_airflow(settings, db, write_dag, parse):
    from slipstream.store import dags as dag_store

    write_dag("shape_operators.py", OPERATOR_SHAPE)
    write_dag("shape_taskflow.py", TASKFLOW_SHAPE)
    parse()
    for dag_id, expected in SHAPES.items():
        with db.read() as session:
            dag = SerializedDag(dag_store.get_serialized(session, dag_id).data)
        built = {
            t.task_id: (sorted(t.upstream), "setup" if t.data.get("is_setup") else "teardown" if t.data.get("is_teardown") else "")
            for t in dag.tasks.values()
        }
        assert built == expected
        teardown_rules = {t.data["trigger_rule"] for t in dag.tasks.values() if t.data.get("is_teardown")}
        assert teardown_rules == {"all_done_setup_success"}
        run = run_dag_to_end(settings, db, dag_id, timeout=60)
        assert (run.state, _states(db, dag_id, run.run_id)) == (S, dict.fromkeys(expected, S))
