"""BaseOperator's arguments and methods as Airflow 3.3 has them: nothing silently dropped
(an unknown argument raises, an argument with no effect here warns), callbacks as lists,
docs kept by kind, relatives, names, and the hooks around execute (run for real in
tests/runner/test_operator_hooks.py)."""

from __future__ import annotations

import warnings
from datetime import timedelta

import pytest

from slipstream.operators.bash import BashOperator
from slipstream.operators.empty import EmptyOperator
from slipstream.operators.python import PythonOperator
from slipstream.sdk import DAG, TaskGroup
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.operator_api import TaskArgumentWarning


def test_an_unknown_argument_raises_with_the_task_id_and_the_argument():
    with pytest.raises(TypeError) as raised:
        BashOperator(task_id="extract", bash_command="true", retires=3)
    message = str(raised.value)
    assert "Invalid arguments were passed to BashOperator (task_id: extract)" in message
    assert "retires=3" in message
    # Airflow 2's task_concurrency is gone from Airflow 3 too
    with pytest.raises(TypeError, match=r"task_id: t\).*task_concurrency=2"):
        EmptyOperator(task_id="t", task_concurrency=2)


@pytest.mark.parametrize(
    ("argument", "value", "reason"),
    [
        ("sla", timedelta(hours=1), "SLA feature was removed in Airflow 3.0"),
        ("executor", "CeleryExecutor", "runs on its configured executor"),
        ("run_as_user", "etl", "does not switch users"),
        ("resources", {"cpus": 2}, "not reserved nor enforced"),
        ("executor_config", {"KubernetesExecutor": {"image": "x"}}, "no per-task configuration"),
        ("wait_for_past_depends_before_skipping", True, "skipped without waiting"),
    ],
)
def test_arguments_without_effect_here_warn_and_are_kept(argument, value, reason):
    with pytest.warns(TaskArgumentWarning, match=reason) as caught:
        task = EmptyOperator(task_id="t", **{argument: value})
    assert f"Task 't': {argument}=" in str(caught[0].message)
    assert caught[0].filename == __file__  # the warning points at the DAG file's line
    with pytest.warns(TaskArgumentWarning) as caught:
        BashOperator(task_id="b", bash_command="true", **{argument: value})
    assert caught[0].filename == __file__  # also past a subclass's own __init__
    if argument != "sla":
        assert getattr(task, argument) == value


def test_defaults_warn_about_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        EmptyOperator(task_id="t", queue="default", executor_config={}, allow_nested_operators=False)


def test_callbacks_are_kept_as_lists():
    def one(context):
        pass

    def two(context):
        pass

    task = EmptyOperator(task_id="t", on_success_callback=one, on_failure_callback=[one, two], on_retry_callback=(two,))
    assert task.on_success_callback == [one]
    assert task.on_failure_callback == [one, two]
    assert task.on_retry_callback == [two]
    assert task.on_execute_callback == [] and task.on_skipped_callback == []
    assert task.has_on_success_callback and not task.has_on_skipped_callback


def test_names_relatives_and_dag():
    with DAG("names") as dag:
        with TaskGroup("grp"):
            first = EmptyOperator(task_id="first")
        second = EmptyOperator(task_id="second")
        third = EmptyOperator(task_id="third")
        first >> second >> third
    assert (first.task_id, first.label, first.node_id, first.task_type) == ("grp.first", "first", "grp.first", "EmptyOperator")
    assert first.dag_id == "names" and first.has_dag() and first.get_dag() is dag
    assert first.get_direct_relative_ids() == {"second"}
    assert third.get_direct_relative_ids(upstream=True) == {"second"}
    assert first.get_flat_relative_ids() == {"second", "third"}
    assert [t.task_id for t in third.get_flat_relatives(upstream=True)] == ["grp.first", "second"]
    assert first.roots == [first] and first.leaves == [first]
    assert first.inherits_from_empty_operator and not PythonOperator(task_id="p", python_callable=print).inherits_from_empty_operator


def test_logger_name_and_the_other_airflow_33_arguments_are_kept():
    task = PythonOperator(
        task_id="p", python_callable=print, logger_name="sales", allow_nested_operators=False,
        render_template_as_native_obj=True, doc_rst="Title\n=====",
    )
    assert task.log.name == "slipstream.task.operators.sales"
    assert (task.allow_nested_operators, task.render_template_as_native_obj, task.doc_rst) == (False, True, "Title\n=====")
    assert EmptyOperator(task_id="e").log.name == "slipstream.task"


def test_render_template_renders_strings_collections_and_template_files(tmp_path):
    (tmp_path / "query.sql").write_text("SELECT '{{ ds }}'")
    dag = DAG("templates", fileloc=str(tmp_path / "d.py"), user_defined_macros={"shout": str.upper})
    task = EmptyOperator(task_id="t", dag=dag)
    task.template_ext = (".sql",)
    context = {"ds": "2024-01-02", "params": {"who": "ada"}}
    assert task.render_template("{{ shout(params.who) }} on {{ ds }}", context) == "ADA on 2024-01-02"
    assert task.render_template(["{{ ds }}", {"k": "{{ params.who }}"}], context) == ["2024-01-02", {"k": "ada"}]
    assert task.render_template("query.sql", context) == "SELECT '2024-01-02'"
    assert task.render_template(7, context) == 7


def test_owner_links_are_checked_and_serialized():
    from slipstream.dagfiles.serialization import serialize_dag

    links = {"data-team": "https://example.org/team", "ada": "mailto:ada@example.org"}
    with DAG("linked", owner_links=links) as dag:
        EmptyOperator(task_id="t", owner="ada", doc_md="# hi")
    assert dag.owner_links == links
    data = serialize_dag(dag)
    assert data["owner_links"] == links
    assert data["tasks"][0]["docs"] == {"doc_md": "# hi"}
    with pytest.raises(DagDefinitionError, match=r"DAG 'bad': owner_links must be URLs.*ada='not a link'"):
        DAG("bad", owner_links={"ada": "not a link"})


def test_template_fields_given_as_one_string_are_taken_as_a_list():
    class Greet(EmptyOperator):
        template_fields = "who"

        def __init__(self, *, who, **kwargs):
            super().__init__(**kwargs)
            self.who = who

    with pytest.warns(UserWarning, match="Greet.template_fields is the string 'who'"):
        task = Greet(task_id="g", who="{{ ds }}")
    assert task.template_fields == ["who"]
    assert task.render_template_fields({"ds": "2024-01-02"}) == {"who": "2024-01-02"}


def test_a_queue_is_kept_without_a_warning_the_celery_executor_routes_by_it():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert EmptyOperator(task_id="t", queue="gpu").queue == "gpu"
