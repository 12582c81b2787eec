"""BaseOperator: arguments, validation, defaults, retry delays and template rendering."""

from __future__ import annotations

from datetime import timedelta

import pytest

from slipstream.operators.bash import BashOperator
from slipstream.operators.empty import EmptyOperator
from slipstream.operators.python import PythonOperator
from slipstream.sdk import DAG, BaseOperator, Param, TriggerRule, XComArg
from slipstream.sdk.baseoperator import retry_delay_seconds
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.templating import make_environment


class GreetOperator(BaseOperator):
    template_fields = ("greeting", "names")

    def __init__(self, *, greeting: str, names: list[str] | None = None, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.greeting = greeting
        self.names = names or []

    def execute(self, context: object) -> str:
        return self.greeting


def test_invalid_arguments_raise_type_error_naming_them() -> None:
    with pytest.raises(TypeError, match=r"Invalid arguments.*task_id: t.*bogus=1.*colour='red'"):
        EmptyOperator(task_id="t", bogus=1, colour="red")


def test_invalid_argument_to_subclass_is_named() -> None:
    with pytest.raises(TypeError, match=r"BashOperator \(task_id: typo\).*output_encodng='latin-1'"):
        BashOperator(task_id="typo", bash_command="echo", output_encodng="latin-1")


def test_positional_arguments_are_refused() -> None:
    with pytest.raises(TypeError, match="keyword arguments only"):
        EmptyOperator("t")  # type: ignore[misc]


def test_task_id_is_required() -> None:
    with pytest.raises(TypeError, match="'task_id' is required"):
        EmptyOperator()  # type: ignore[call-arg]


def test_missing_required_operator_argument_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="bash_command"):
        BashOperator(task_id="no_command")  # type: ignore[call-arg]


@pytest.mark.parametrize("task_id", ["has space", "a/b", ""])
def test_invalid_task_ids_are_refused(task_id: str) -> None:
    with pytest.raises(ValueError, match="task_id"):
        EmptyOperator(task_id=task_id)


def test_negative_retries_are_refused() -> None:
    with pytest.raises(DagDefinitionError, match=r"retries must be a whole number of 0 or more, got -1"):
        EmptyOperator(task_id="t", retries=-1)


@pytest.mark.parametrize("retries", [1.5, "3", True])
def test_retries_must_be_a_whole_number(retries: object) -> None:
    with pytest.raises(DagDefinitionError, match="retries"):
        EmptyOperator(task_id="t", retries=retries)


def test_negative_retries_from_default_args_are_refused() -> None:
    with DAG("neg_defaults", default_args={"retries": -2}):
        with pytest.raises(DagDefinitionError, match="-2"):
            EmptyOperator(task_id="t")


def test_retries_none_means_zero() -> None:
    assert EmptyOperator(task_id="t", retries=None).retries == 0


def test_unknown_trigger_rule_is_refused_listing_the_valid_rules() -> None:
    with pytest.raises(DagDefinitionError) as info:
        EmptyOperator(task_id="t", trigger_rule="when_i_feel_like_it")
    message = str(info.value)
    assert "'when_i_feel_like_it'" in message and "'t'" in message
    for rule in ("all_success", "all_failed", "all_done", "one_success", "one_failed", "none_failed", "always"):
        assert rule in message
    # the Airflow 2 alias is accepted but not advertised
    assert "none_failed_or_skipped" not in message


def test_trigger_rule_as_string_or_enum() -> None:
    assert EmptyOperator(task_id="a", trigger_rule="all_done").trigger_rule is TriggerRule.ALL_DONE
    assert EmptyOperator(task_id="b", trigger_rule=TriggerRule.ONE_FAILED).trigger_rule is TriggerRule.ONE_FAILED
    assert EmptyOperator(task_id="c").trigger_rule is TriggerRule.ALL_SUCCESS


def test_airflow2_trigger_rule_name_maps_to_new_name() -> None:
    task = EmptyOperator(task_id="t", trigger_rule="none_failed_or_skipped")
    assert task.trigger_rule is TriggerRule.NONE_FAILED_MIN_ONE_SUCCESS


def test_unknown_weight_rule_is_refused() -> None:
    with pytest.raises(DagDefinitionError, match="weight_rule 'heavy'.*downstream, upstream, absolute"):
        EmptyOperator(task_id="t", weight_rule="heavy")


def test_pool_slots_must_be_positive() -> None:
    with pytest.raises(DagDefinitionError, match="pool_slots"):
        EmptyOperator(task_id="t", pool_slots=0)


def test_defaults_of_a_task() -> None:
    task = EmptyOperator(task_id="t")
    assert task.retries == 0
    assert task.retry_delay == timedelta(seconds=300)
    assert task.pool == "default_pool"
    assert task.pool_slots == 1
    assert task.owner == "airflow"
    assert task.task_display_name == "t"
    assert task.do_xcom_push is True
    assert task.upstream_task_ids == set() and task.downstream_task_ids == set()


def test_retry_delay_in_seconds_becomes_timedelta() -> None:
    task = EmptyOperator(task_id="t", retry_delay=30, execution_timeout=2.5)
    assert task.retry_delay == timedelta(seconds=30)
    assert task.execution_timeout == timedelta(seconds=2.5)


def test_retry_delay_of_wrong_type_is_refused() -> None:
    with pytest.raises(DagDefinitionError, match="retry_delay must be a timedelta"):
        EmptyOperator(task_id="t", retry_delay="5 minutes")


def test_next_retry_delay_constant_and_exponential() -> None:
    constant = EmptyOperator(task_id="c", retry_delay=timedelta(seconds=10))
    assert constant.next_retry_delay(1) == timedelta(seconds=10)
    assert constant.next_retry_delay(4) == timedelta(seconds=10)
    backoff = EmptyOperator(
        task_id="b", retry_delay=timedelta(seconds=10), retry_exponential_backoff=True, max_retry_delay=35
    )
    assert [backoff.next_retry_delay(n).total_seconds() for n in (1, 2, 3, 4)] == [10, 20, 35, 35]


def test_retry_delay_seconds_helper() -> None:
    assert retry_delay_seconds(5, False, None, 3) == 5
    assert retry_delay_seconds(5, True, None, 3) == 20
    assert retry_delay_seconds(5, True, 12, 3) == 12
    # Airflow 3.3's multiplier: 4 min, then 20, then 100 with retry_exponential_backoff=5
    assert [retry_delay_seconds(240, 5, None, n) for n in (1, 2, 3)] == [240, 1200, 6000]
    assert retry_delay_seconds(240, 0, None, 3) == 240 and retry_delay_seconds(240, 1.0, None, 3) == 240
    assert retry_delay_seconds(240, 5, None, 5000) == 24 * 60 * 60  # no maximum given: at most a day


def test_retry_exponential_backoff_must_be_a_flag_or_a_multiplier() -> None:
    assert EmptyOperator(task_id="m", retry_exponential_backoff=2.5).retry_exponential_backoff == 2.5
    with pytest.raises(DagDefinitionError, match="retry_exponential_backoff must be True/False or a multiplier"):
        EmptyOperator(task_id="bad", retry_exponential_backoff="yes")


def test_display_name_and_docs() -> None:
    task = EmptyOperator(task_id="t", task_display_name="📆 Nice name", doc="plain doc")
    assert task.task_display_name == "📆 Nice name"
    # each kind of doc is kept under its own name, as in Airflow
    assert (task.doc, task.doc_md) == ("plain doc", None)
    docs = EmptyOperator(task_id="u", doc_md="# md", doc_json='{"a": 1}', doc_yaml="a: 1", doc_rst="A\n=")
    assert (docs.doc_md, docs.doc_json, docs.doc_yaml, docs.doc_rst) == ("# md", '{"a": 1}', "a: 1", "A\n=")


def test_task_level_default_args() -> None:
    task = EmptyOperator(task_id="t", default_args={"retries": 4, "owner": "x"})
    assert task.retries == 4
    assert task.owner == "x"


def test_task_params_merge_dag_params_and_keep_schemas() -> None:
    with DAG("params", params={"n": Param(1, type="integer"), "s": "dag"}):
        task = EmptyOperator(task_id="t", params={"s": "task", "extra": True})
    assert dict(task.params) == {"n": 1, "s": "task", "extra": True}
    assert task.params.get_param("n").schema == {"type": "integer"}


def test_dag_params_win_over_default_args_params_on_tasks() -> None:
    with DAG("params2", params={"x": "dag"}, default_args={"params": {"x": "defaults", "y": "y"}}) as dag:
        task = EmptyOperator(task_id="t")
    assert dict(task.params) == dict(dag.params) == {"x": "dag", "y": "y"}


def test_output_is_an_xcom_arg() -> None:
    task = EmptyOperator(task_id="t")
    output = task.output
    assert isinstance(output, XComArg)
    assert output.operator is task and output.key == "return_value"
    assert output["other"].key == "other"


def test_task_output_in_templated_argument_creates_the_dependency() -> None:
    with DAG("xcom_dep"):
        producer = BashOperator(task_id="producer", bash_command="echo hi")
        consumer = BashOperator(task_id="consumer", bash_command=producer.output)
        py = PythonOperator(task_id="py", python_callable=print, op_kwargs={"x": [producer.output]})
    assert consumer.upstream_task_ids == {"producer"}
    assert py.upstream_task_ids == {"producer"}
    assert producer.downstream_task_ids == {"consumer", "py"}


def test_upstream_and_downstream_lists() -> None:
    with DAG("lists"):
        a, b, c = (EmptyOperator(task_id=t) for t in "abc")
        a >> [c, b]
    assert a.downstream_list == [b, c]
    assert c.upstream_list == [a]


def test_a_task_cannot_move_to_another_dag() -> None:
    first = DAG("first")
    task = EmptyOperator(task_id="t", dag=first)
    with pytest.raises(DagDefinitionError, match="already belongs to DAG 'first'"):
        task.attach_to_dag(DAG("second"))


def test_accepted_arguments_include_base_and_subclass() -> None:
    accepted = GreetOperator.accepted_arguments()
    assert {"greeting", "names", "task_id", "retries", "trigger_rule"} <= accepted
    assert "kwargs" not in accepted and "self" not in accepted


def test_default_args_fill_subclass_arguments() -> None:
    with DAG("sub_defaults", default_args={"greeting": "hello from defaults"}):
        task = GreetOperator(task_id="g")
    assert task.greeting == "hello from defaults"


def test_render_template_fields(tmp_path) -> None:
    task = GreetOperator(task_id="g", greeting="Hi {{ params.who }} on {{ ds }}", names=["{{ ds_nodash }}", "x"])
    rendered = task.render_template_fields(
        {"params": {"who": "Ada"}, "ds": "2024-01-02", "ds_nodash": "20240102"},
        make_environment(searchpath=[str(tmp_path)]),
    )
    assert rendered == {"greeting": "Hi Ada on 2024-01-02", "names": ["20240102", "x"]}
    assert task.greeting == "Hi Ada on 2024-01-02"


def test_render_undefined_variable_is_an_error() -> None:
    import jinja2

    from slipstream.sdk.templating import TemplateRenderError

    task = GreetOperator(task_id="g", greeting="{{ nope }}")
    with pytest.raises(TemplateRenderError, match="greeting of task 'g' .*'nope' is undefined") as raised:
        task.render_template_fields({}, make_environment())
    assert isinstance(raised.value.__cause__, jinja2.UndefinedError)


def test_execute_must_be_implemented() -> None:
    class Bare(BaseOperator):
        pass

    with pytest.raises(NotImplementedError, match="Bare must implement execute"):
        Bare(task_id="bare").execute({})


def test_repr() -> None:
    assert repr(EmptyOperator(task_id="t")) == "<Task(EmptyOperator): t>"
