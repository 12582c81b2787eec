"""Marking setup and teardown tasks, and the edges the marks and the 'with' blocks make.

Where a shape is Airflow's own, the expected edges are what Airflow 3.3.2 builds from it."""

from __future__ import annotations

from datetime import datetime

import pytest

from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG, TaskGroup, TriggerRule, setup, task, task_group, teardown
from slipstream.sdk.exceptions import DagDefinitionError

START = datetime(2024, 1, 1)


def edges(dag: DAG) -> dict[str, list[str]]:
    return {t.task_id: sorted(t.upstream_task_ids) for t in dag.tasks}


def marks(dag: DAG) -> dict[str, str]:
    return {t.task_id: "setup" if t.is_setup else "teardown" if t.is_teardown else "" for t in dag.tasks}


def test_as_teardown_marks_its_setups_and_sets_them_upstream():
    with DAG("d", start_date=START, schedule=None) as dag:
        s1, s2 = EmptyOperator(task_id="s1"), EmptyOperator(task_id="s2")
        work = EmptyOperator(task_id="work")
        t = EmptyOperator(task_id="t", trigger_rule="all_success").as_teardown(setups=[s1, s2])
        [s1, s2] >> work >> t
    assert marks(dag) == {"s1": "setup", "s2": "setup", "work": "", "t": "teardown"}
    assert edges(dag)["t"] == ["s1", "s2", "work"]
    assert t.trigger_rule is TriggerRule.ALL_DONE_SETUP_SUCCESS
    assert t.on_failure_fail_dagrun is False


def test_as_setup_and_as_teardown_return_the_task():
    with DAG("d", start_date=START, schedule=None):
        s = EmptyOperator(task_id="s")
        t = EmptyOperator(task_id="t")
        assert s.as_setup() is s
        assert t.as_teardown(setups=s, on_failure_fail_dagrun=True) is t
    assert t.on_failure_fail_dagrun is True


def test_a_task_cannot_be_both_setup_and_teardown():
    with DAG("d", start_date=START, schedule=None):
        s = EmptyOperator(task_id="s").as_setup()
        t = EmptyOperator(task_id="t").as_teardown()
        with pytest.raises(DagDefinitionError, match="'s' is already a setup"):
            s.as_teardown()
        with pytest.raises(DagDefinitionError, match="'t' is already a teardown"):
            t.as_setup()


def test_on_failure_fail_dagrun_applies_only_to_teardowns():
    with DAG("d", start_date=START, schedule=None):
        work = EmptyOperator(task_id="work")
        with pytest.raises(DagDefinitionError, match="only applies to teardown tasks"):
            work.on_failure_fail_dagrun = True


def test_setups_must_be_tasks():
    with DAG("d", start_date=START, schedule=None):
        with pytest.raises(TypeError, match="takes tasks or task outputs, got str"):
            EmptyOperator(task_id="t").as_teardown(setups="s")


def test_taskflow_decorators_mark_their_tasks():
    with DAG("d", start_date=START, schedule=None) as dag:

        @setup
        def create():
            return "id"

        @teardown(on_failure_fail_dagrun=True)
        def delete(resource):
            pass

        @task
        def work(resource):
            pass

        made = create()
        work(made) >> delete(made)
    assert marks(dag) == {"create": "setup", "work": "", "delete": "teardown"}
    assert dag.task_dict["delete"].on_failure_fail_dagrun is True
    assert dag.task_dict["delete"].trigger_rule is TriggerRule.ALL_DONE_SETUP_SUCCESS
    assert edges(dag)["delete"] == ["create", "work"]


def test_setup_and_teardown_decorate_task_variants_and_survive_override():
    with DAG("d", start_date=START, schedule=None) as dag:

        @setup
        @task(retries=2)
        def create():
            return 1

        @teardown
        @task.bash
        def delete():
            return "echo bye"

        create.override(task_id="create_again")() >> delete.override(task_id="bye")()
    assert marks(dag) == {"create_again": "setup", "bye": "teardown"}
    assert dag.task_dict["create_again"].retries == 2


def test_a_teardowns_trigger_rule_cannot_be_set():
    with DAG("d", start_date=START, schedule=None):

        @teardown
        @task(trigger_rule="all_success")
        def delete():
            pass

        with pytest.raises(DagDefinitionError, match="'delete' is a teardown"):
            delete()


def test_task_groups_cannot_be_setups():
    @task_group
    def group():
        pass

    with pytest.raises(DagDefinitionError, match="cannot mark a task group"):
        setup(group)


def test_a_mapped_teardown_keeps_its_mark():
    with DAG("d", start_date=START, schedule=None) as dag:

        @setup
        def create():
            return [1, 2]

        @teardown
        def delete(item):
            pass

        delete.expand(item=create())
    assert marks(dag) == {"create": "setup", "delete": "teardown"}
    assert dag.task_dict["delete"].is_mapped


def test_task_outputs_take_the_marks():
    with DAG("d", start_date=START, schedule=None) as dag:

        @task
        def first():
            return 1

        @task
        def second():
            return 2

        @task
        def third():
            return 3

        a, b, c = first(), second(), third()
        assert a.as_setup() is a
        a >> b >> c.as_teardown(setups=a, on_failure_fail_dagrun=True)
    assert marks(dag) == {"first": "setup", "second": "", "third": "teardown"}
    assert (a.is_setup, c.is_teardown, c.on_failure_fail_dagrun) == (True, True, True)
    assert edges(dag)["third"] == ["first", "second"]


def test_with_setup_rshift_teardown_wires_the_work_inside():
    """Airflow 3.3.2 builds: a and c after s; b and c before t."""
    with DAG("d", start_date=START, schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        t = EmptyOperator(task_id="t").as_teardown()
        with s >> t:
            a = EmptyOperator(task_id="a")
            b = EmptyOperator(task_id="b")
            a >> b
            EmptyOperator(task_id="c")
    assert edges(dag) == {"s": [], "t": ["b", "c", "s"], "a": ["s"], "b": ["a"], "c": ["s"]}


def test_with_as_teardown_block_and_taskflow_teardown_block():
    with DAG("d", start_date=START, schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        with EmptyOperator(task_id="t").as_teardown(setups=s):
            EmptyOperator(task_id="a")

        @setup
        def make():
            return 1

        @teardown
        def drop(x):
            pass

        @task
        def work():
            pass

        with drop(make()):
            work()
    assert edges(dag) == {"s": [], "t": ["a", "s"], "a": ["s"], "make": [], "drop": ["make", "work"], "work": ["make"]}


def test_with_block_on_a_setup_wires_to_its_teardown():
    with DAG("d", start_date=START, schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        EmptyOperator(task_id="t").as_teardown(setups=s)
        with s:
            EmptyOperator(task_id="work")
    assert edges(dag) == {"s": [], "t": ["s", "work"], "work": ["s"]}


def test_nested_blocks_chain_outer_and_inner_setups_and_teardowns():
    with DAG("d", start_date=START, schedule=None) as dag:
        s1 = EmptyOperator(task_id="s1").as_setup()
        t1 = EmptyOperator(task_id="t1").as_teardown(setups=s1)
        with t1:
            s2 = EmptyOperator(task_id="s2").as_setup()
            t2 = EmptyOperator(task_id="t2").as_teardown(setups=s2)
            with t2:
                EmptyOperator(task_id="work")
    assert edges(dag) == {"s1": [], "t1": ["s1", "t2"], "s2": ["s1"], "t2": ["s2", "work"], "work": ["s2"]}


def test_add_task_puts_an_earlier_task_in_the_block():
    with DAG("d", start_date=START, schedule=None) as dag:
        early = EmptyOperator(task_id="early")
        s = EmptyOperator(task_id="s").as_setup()
        with EmptyOperator(task_id="t").as_teardown(setups=s) as scope:
            scope.add_task(early)
    assert edges(dag) == {"early": ["s"], "s": [], "t": ["early", "s"]}


def test_only_setups_and_teardowns_open_a_block():
    with DAG("d", start_date=START, schedule=None):
        with pytest.raises(DagDefinitionError, match="only setup and teardown tasks can be"):
            with EmptyOperator(task_id="plain"):
                pass


def test_a_group_ending_in_a_teardown_hands_on_from_its_work():
    """Airflow's example_setup_teardown: ``group >> after`` starts after the group's work, not its teardown."""
    with DAG("d", start_date=START, schedule=None) as dag:
        with TaskGroup("g") as group:
            s = EmptyOperator(task_id="s").as_setup()
            w = EmptyOperator(task_id="w")
            t = EmptyOperator(task_id="t").as_teardown(setups=s)
            s >> w >> t
        before = EmptyOperator(task_id="before")
        after = EmptyOperator(task_id="after")
        before >> group >> after
    assert edges(dag)["after"] == ["g.w"]
    assert edges(dag)["g.s"] == ["before"]


def test_work_right_after_a_setup_must_use_all_success():
    with DAG("d", start_date=START, schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        s >> EmptyOperator(task_id="w", trigger_rule="all_done")
    with pytest.raises(DagDefinitionError, match="'w' follows the setup task 's'.*must use 'all_success'"):
        dag.validate()


def test_airflow_names_reach_the_decorators():
    with airflow_imports():
        from airflow.decorators import setup as decorators_setup
        from airflow.decorators import teardown as decorators_teardown
        from airflow.sdk import setup as sdk_setup
        from airflow.sdk import teardown as sdk_teardown
        from airflow.utils.trigger_rule import TriggerRule as AirflowRule
    assert decorators_setup is sdk_setup is setup
    assert decorators_teardown is sdk_teardown is teardown
    assert AirflowRule.ALL_DONE_SETUP_SUCCESS.value == "all_done_setup_success"
