"""The relations of setups, teardowns and work in a serialized DAG.

What clearing takes along is what ``airflow tasks clear`` cleared in Airflow 3.3.2 for the
same DAGs, written out here."""

from __future__ import annotations

from datetime import datetime

from slipstream.dagfiles.serialization import SerializedDag, serialize_dag
from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG

START = datetime(2024, 1, 1)


def chain_dag(fail_run: bool = False, after: bool = False) -> SerializedDag:
    """s >> w >> t, t the teardown of s (and, with ``after``, t >> after)."""
    with DAG("chain", start_date=START, schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        w = EmptyOperator(task_id="w")
        t = EmptyOperator(task_id="t").as_teardown(setups=s, on_failure_fail_dagrun=fail_run)
        s >> w >> t
        if after:
            t >> EmptyOperator(task_id="after")
    return SerializedDag(serialize_dag(dag))


def indirect_dag() -> SerializedDag:
    """s >> w1 >> w2 >> t, with w2 on all_done and t the teardown of s."""
    with DAG("indirect", start_date=START, schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        w1 = EmptyOperator(task_id="w1")
        w2 = EmptyOperator(task_id="w2", trigger_rule="all_done")
        t = EmptyOperator(task_id="t").as_teardown(setups=s)
        s >> w1 >> w2 >> t
    return SerializedDag(serialize_dag(dag))


def test_a_dag_without_setups_or_teardowns_has_no_relations():
    with DAG("plain", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")
    assert SerializedDag(serialize_dag(dag)).setup_teardown is None


def test_the_marks_are_serialized_only_where_set():
    dag = chain_dag(fail_run=True)
    found = {
        t.task_id: {k: t.data[k] for k in ("is_setup", "is_teardown", "on_failure_fail_dagrun") if k in t.data}
        for t in dag.tasks.values()
    }
    assert found == {"s": {"is_setup": True}, "w": {}, "t": {"is_teardown": True, "on_failure_fail_dagrun": True}}
    assert dag.tasks["t"].trigger_rule == "all_done_setup_success"


def test_the_run_is_decided_by_the_work_not_by_a_teardown():
    assert chain_dag().setup_teardown.run_state_leaves == ["w"]
    assert sorted(chain_dag(after=True).setup_teardown.run_state_leaves) == ["after", "w"]


def test_a_teardown_that_fails_the_run_is_a_leaf_like_any_task():
    assert chain_dag(fail_run=True).setup_teardown.run_state_leaves == ["t"]


def test_a_dag_of_teardowns_alone_falls_back_to_its_leaves():
    with DAG("only", start_date=START, schedule=None) as dag:
        EmptyOperator(task_id="t").as_teardown()
    assert SerializedDag(serialize_dag(dag)).setup_teardown.run_state_leaves == ["t"]


def test_a_teardown_decides_on_its_direct_setups_and_waits_for_its_scope():
    graph = indirect_dag().setup_teardown
    assert graph.direct_setups("t") == ["s"]
    assert graph.teardown_scope("t") == ["w1"]
    assert graph.teardown_scope("w2") == []


def test_work_needs_the_setups_further_up():
    graph = indirect_dag().setup_teardown
    assert graph.indirect_setups("w1") == []  # s is right upstream of it
    assert graph.indirect_setups("w2") == ["s"]
    assert graph.indirect_setups("t") == []


def test_a_setup_torn_down_before_the_task_is_not_needed_by_it():
    with DAG("before", start_date=START, schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        w = EmptyOperator(task_id="w")
        t = EmptyOperator(task_id="t").as_teardown(setups=s)
        later = EmptyOperator(task_id="later")
        s >> w >> t >> later
    assert SerializedDag(serialize_dag(dag)).setup_teardown.indirect_setups("later") == []


def test_clearing_the_work_takes_its_setup_and_teardown():
    graph = chain_dag().setup_teardown
    assert graph.also_clear({"w"}, upstream=False, downstream=False) == {"s", "t"}
    assert graph.also_clear({"w"}, upstream=False, downstream=True) == {"s", "t"}
    assert graph.also_clear({"w"}, upstream=True, downstream=False) == {"s", "t"}


def test_clearing_a_setup_takes_its_teardown_and_a_teardown_goes_alone():
    graph = chain_dag(after=True).setup_teardown
    assert graph.also_clear({"s"}, upstream=False, downstream=False) == {"t"}
    assert graph.also_clear({"t"}, upstream=False, downstream=False) == set()


def test_clearing_past_an_all_done_task_takes_the_setup_further_up():
    graph = indirect_dag().setup_teardown
    assert graph.also_clear({"w2"}, upstream=False, downstream=False) == {"s", "t"}


def test_clearing_one_setup_of_two_takes_only_the_teardown():
    with DAG("two", start_date=START, schedule=None) as dag:
        s1, s2 = EmptyOperator(task_id="s1").as_setup(), EmptyOperator(task_id="s2").as_setup()
        w = EmptyOperator(task_id="w")
        t = EmptyOperator(task_id="t").as_teardown(setups=[s1, s2])
        [s1, s2] >> w >> t
    assert SerializedDag(serialize_dag(dag)).setup_teardown.also_clear({"s1"}, False, False) == {"t"}
