"""DAG: construction, arguments and their Airflow 2 names, validation."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG, DagCycleError, DuplicateTaskIdFound, Param
from slipstream.sdk.exceptions import DagDefinitionError, TaskNotFound


def test_context_manager_adds_tasks_to_the_dag() -> None:
    with DAG("ctx") as dag:
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
    assert dag.task_ids == ["a", "b"]
    assert a.dag is dag and b.dag is dag
    assert dag.get_task("a") is a


def test_dag_argument_adds_task_without_context_manager() -> None:
    dag = DAG("explicit")
    task = EmptyOperator(task_id="t", dag=dag)
    assert task.dag is dag
    assert dag.has_task("t")
    assert not dag.has_task("other")


def test_task_outside_any_dag_has_no_dag() -> None:
    task = EmptyOperator(task_id="loose")
    assert task.dag is None


def test_get_task_unknown_raises_task_not_found() -> None:
    dag = DAG("lookup")
    with pytest.raises(TaskNotFound, match="'nope'.*'lookup'"):
        dag.get_task("nope")


def test_default_args_fill_task_arguments_and_task_arguments_win() -> None:
    default_args = {"owner": "data-team", "retries": 3, "retry_delay": timedelta(minutes=2), "queue": "fast"}
    with DAG("defaults", default_args=default_args) as dag:
        inherits = EmptyOperator(task_id="inherits")
        overrides = EmptyOperator(task_id="overrides", retries=0, owner="me")
    assert inherits.retries == 3
    assert inherits.owner == "data-team"
    assert inherits.retry_delay == timedelta(minutes=2)
    assert inherits.queue == "fast"
    assert overrides.retries == 0
    assert overrides.owner == "me"
    assert overrides.retry_delay == timedelta(minutes=2)
    assert dag.default_args == default_args


def test_default_args_keys_an_operator_does_not_accept_are_ignored() -> None:
    with DAG("extra_defaults", default_args={"not_an_argument": 1, "retries": 2}):
        task = EmptyOperator(task_id="t")
    assert task.retries == 2
    assert not hasattr(task, "not_an_argument")


def test_start_date_from_default_args() -> None:
    start = datetime(2020, 1, 1)
    dag = DAG("starts", default_args={"start_date": start, "end_date": datetime(2020, 2, 1)})
    assert dag.start_date == start
    assert dag.end_date == datetime(2020, 2, 1)


def test_explicit_start_date_wins_over_default_args() -> None:
    dag = DAG("starts2", start_date=datetime(2024, 1, 1), default_args={"start_date": datetime(2020, 1, 1)})
    assert dag.start_date == datetime(2024, 1, 1)


@pytest.mark.parametrize("dag_id", ["simple", "with-dash", "with.dot", "under_score", "Mixed123"])
def test_valid_dag_ids(dag_id: str) -> None:
    assert DAG(dag_id).dag_id == dag_id


@pytest.mark.parametrize("dag_id", ["has space", "slash/id", "bang!", "ünïcode?", "x" * 251])
def test_invalid_dag_ids_are_refused(dag_id: str) -> None:
    with pytest.raises(ValueError, match="dag_id"):
        DAG(dag_id)


def test_empty_dag_id_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        DAG("")


def test_dag_id_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="dag_id must be a string"):
        DAG(123)  # type: ignore[arg-type]


def test_schedule_and_airflow2_schedule_interval() -> None:
    assert DAG("s1", schedule="@daily").schedule == "@daily"
    old = DAG("s2", schedule_interval="0 2 * * *")
    assert old.schedule == "0 2 * * *"
    assert old.schedule_interval == "0 2 * * *"
    assert DAG("s3").schedule is None
    assert DAG("s4", schedule_interval=None).schedule is None


def test_schedule_and_schedule_interval_together_are_refused() -> None:
    with pytest.raises(DagDefinitionError, match="schedule or schedule_interval, not both"):
        DAG("both", schedule="@daily", schedule_interval="@daily")


def test_max_active_tasks_and_airflow2_concurrency() -> None:
    assert DAG("m1", max_active_tasks=4).max_active_tasks == 4
    old = DAG("m2", concurrency=3)
    assert old.max_active_tasks == 3
    assert old.concurrency == 3
    assert DAG("m3").max_active_tasks is None


def test_max_active_tasks_and_concurrency_together_are_refused() -> None:
    with pytest.raises(DagDefinitionError, match="max_active_tasks or concurrency"):
        DAG("m4", max_active_tasks=2, concurrency=2)


@pytest.mark.parametrize("kind", ["max_active_tasks", "max_active_runs"])
@pytest.mark.parametrize("value", [0, -1, 1.5])
def test_max_active_values_must_be_positive_whole_numbers(kind: str, value: object) -> None:
    with pytest.raises(DagDefinitionError, match=kind):
        DAG("m5", **{kind: value})


def test_params_plain_values_and_param_objects() -> None:
    dag = DAG("params", params={"n": 5, "mode": Param("daily", enum=["daily", "custom"])})
    assert dag.params["n"] == 5
    assert dag.params["mode"] == "daily"
    assert dag.params.get_param("mode").schema == {"enum": ["daily", "custom"]}


def test_params_from_default_args_are_merged_and_dag_params_win() -> None:
    dag = DAG(
        "params2",
        params={"x": Param(1, type="integer")},
        default_args={"params": {"x": "from defaults", "y": "only in defaults"}},
    )
    assert dict(dag.params) == {"x": 1, "y": "only in defaults"}
    # the schema of the DAG's own Param survives the merge
    assert dag.params.get_param("x").schema == {"type": "integer"}


def test_tags_display_name_doc_md_description() -> None:
    dag = DAG(
        "meta",
        tags=["parallel", "tutorial", "parallel"],
        dag_display_name="🚀 Meta",
        doc_md="# Docs",
        description="what it does",
    )
    assert dag.tags == ["parallel", "tutorial"]
    assert dag.dag_display_name == "🚀 Meta"
    assert dag.doc_md == "# Docs"
    assert dag.description == "what it does"


def test_display_name_defaults_to_dag_id() -> None:
    dag = DAG("plain")
    assert dag.dag_display_name == "plain"
    assert dag.tags == []
    assert dag.doc_md is None


def test_unknown_dag_argument_is_refused() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument.*not_a_thing"):
        DAG("bad_args", not_a_thing=1)


def test_accepted_airflow_arguments_are_stored() -> None:
    dag = DAG("accepted", dagrun_timeout=timedelta(hours=1), is_paused_upon_creation=True)
    assert dag.dagrun_timeout == timedelta(hours=1)
    assert dag.extra_arguments["is_paused_upon_creation"] is True


def test_fileloc_is_the_file_that_built_the_dag() -> None:
    assert DAG("where").fileloc == __file__


def test_cycle_is_refused_by_validate_and_printed() -> None:
    with DAG("cyclic") as dag:
        a = EmptyOperator(task_id="a")
        b = EmptyOperator(task_id="b")
        c = EmptyOperator(task_id="c")
        a >> b >> c >> a
    assert dag.find_cycle() == ["a", "b", "c", "a"]
    with pytest.raises(DagCycleError, match="a -> b -> c -> a"):
        dag.validate()


def test_cycle_not_through_first_task_is_found() -> None:
    with DAG("cyclic2") as dag:
        start = EmptyOperator(task_id="start")
        x = EmptyOperator(task_id="x")
        y = EmptyOperator(task_id="y")
        start >> x >> y >> x
    with pytest.raises(DagCycleError, match="x -> y -> x") as info:
        dag.validate()
    assert "start" not in str(info.value)


def test_acyclic_dag_validates_and_orders_topologically() -> None:
    with DAG("diamond") as dag:
        a, b, c, d = (EmptyOperator(task_id=t) for t in "abcd")
        a >> [b, c] >> d
    dag.validate()
    assert dag.find_cycle() is None
    order = dag.topological_order()
    assert order[0] == "a" and order[-1] == "d"
    assert set(order) == {"a", "b", "c", "d"}
    assert [t.task_id for t in dag.roots] == ["a"]
    assert [t.task_id for t in dag.leaves] == ["d"]


def test_self_dependency_raises_at_once_naming_the_task() -> None:
    with DAG("self_dep"):
        a = EmptyOperator(task_id="task_a")
        b = EmptyOperator(task_id="task_b")
        c = EmptyOperator(task_id="task_c")
        with pytest.raises(DagCycleError, match="task_c -> task_c"):
            [a, b, c] >> c


def test_duplicate_task_id_is_refused_naming_it() -> None:
    with DAG("dupes"):
        EmptyOperator(task_id="same")
        with pytest.raises(DuplicateTaskIdFound, match="'same'"):
            EmptyOperator(task_id="same")


def test_end_date_before_start_date_is_refused_by_validate() -> None:
    dag = DAG("backwards", start_date=datetime(2024, 2, 1), end_date=datetime(2024, 1, 1))
    with pytest.raises(DagDefinitionError, match="end_date"):
        dag.validate()


def test_tasks_of_two_dags_cannot_depend_on_each_other() -> None:
    with DAG("one"):
        a = EmptyOperator(task_id="a")
    with DAG("two"):
        b = EmptyOperator(task_id="b")
    with pytest.raises(DagDefinitionError, match="different DAGs"):
        a >> b


def test_nested_dag_contexts_restore_the_outer_dag() -> None:
    with DAG("outer") as outer:
        with DAG("inner") as inner:
            i = EmptyOperator(task_id="i")
        o = EmptyOperator(task_id="o")
    assert i.dag is inner
    assert o.dag is outer
