"""Mapping as a DAG file declares it: what is accepted, what is refused, and how an instance is rebuilt."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from slipstream.dagfiles.serialization import serialize_dag
from slipstream.operators.bash import BashOperator
from slipstream.sdk import DAG, TaskGroup, task, task_group
from slipstream.sdk.exceptions import DagDefinitionError
from slipstream.sdk.mapping import DictOfListsExpandInput, MappedArgument, unmap

START = datetime(2024, 1, 1)


def test_decorated_expand_makes_one_mapped_task_with_its_input_upstream() -> None:
    with DAG("d", start_date=START, schedule=None) as dag:
        @task
        def numbers():
            return [1, 2]

        @task
        def add(x, y):
            return x + y

        out = add.partial(y=1).expand(x=numbers())
    mapped = dag.get_task("add")
    assert out.operator is mapped
    assert mapped.is_mapped and mapped.upstream_task_ids == {"numbers"}
    assert isinstance(mapped.op_kwargs["x"], MappedArgument) and mapped.op_kwargs["y"] == 1
    data = {t["task_id"]: t for t in serialize_dag(dag)["tasks"]}
    assert data["add"]["mapped"] == {"kind": "product", "sources": [{"xcom": ["numbers", "return_value"]}]}
    assert data["numbers"]["mapped"] is None


def test_serialized_sources_of_literals_zip_and_several_arguments() -> None:
    with DAG("d", start_date=START, schedule=None) as dag:
        @task
        def a():
            return [1]

        @task
        def b():
            return [2]

        @task
        def use(x, y):
            return x

        use.expand(x=[1, 2, 3], y=a().zip(b(), fillvalue=0))
    mapped = {t["task_id"]: t for t in serialize_dag(dag)["tasks"]}["use"]["mapped"]
    assert mapped["sources"] == [
        {"literal": 3},
        {"zip": [{"xcom": ["a", "return_value"]}, {"xcom": ["b", "return_value"]}], "longest": True},
    ]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda t: t.expand(x=5), "expand() argument 'x' must be a list, a dict or a task's output, got int"),
        (lambda t: t.expand(), "expand() needs at least one argument"),
        (lambda t: t.partial(x=1).expand(x=[2]), "'x' is given to both partial() and expand()"),
        (lambda t: t.expand(nope=[1]), "unexpected keyword argument 'nope'"),
        (lambda t: t.expand_kwargs(3), "expand_kwargs() takes a list of dicts or a task's output"),
    ],
)
def test_decorated_mapping_mistakes_are_refused(build, message) -> None:
    with DAG("d", start_date=START, schedule=None):
        @task
        def use(x):
            return x

        with pytest.raises((DagDefinitionError, TypeError)) as err:
            build(use)
    assert message in str(err.value)


def test_classic_operator_mapping_mistakes_are_refused() -> None:
    with DAG("d", start_date=START, schedule=None):
        with pytest.raises(TypeError, match="unexpected argument 'bash_commandz'"):
            BashOperator.partial(task_id="a").expand(bash_commandz=["x"])
        with pytest.raises(DagDefinitionError, match="'task_id' cannot be mapped"):
            BashOperator.partial(bash_command="x", task_id="b").expand(task_id=["x"])
        with pytest.raises(TypeError, match="got unexpected argument\\(s\\): nope"):
            BashOperator.partial(task_id="c", nope=1)


def test_unmap_rebuilds_the_operator_with_defaults_group_and_the_item() -> None:
    with DAG("d", start_date=START, schedule=None, default_args={"retries": 3, "retry_delay": timedelta(seconds=7)}):
        with TaskGroup("grp", default_args={"owner": "group-owner"}):
            mapped = BashOperator.partial(task_id="echo", env={"A": "1"}).expand(bash_command=["echo 1", "echo 2"])
    assert mapped.task_id == "grp.echo"
    instance = unmap(mapped, {"bash_command": "echo 2"})
    assert instance.bash_command == "echo 2"
    assert instance.env == {"A": "1"}
    assert instance.task_id == "grp.echo"
    assert (instance.retries, instance.retry_delay, instance.owner) == (3, timedelta(seconds=7), "group-owner")
    assert instance.dag is mapped.dag and not instance.is_mapped and instance.mapped_from is mapped


def test_cross_product_order_has_the_last_argument_varying_fastest() -> None:
    expand_input = DictOfListsExpandInput({"a": [1, 2], "b": ["x", "y", "z"]})
    assert [expand_input.resolve({}, i) for i in range(6)] == [
        {"a": 1, "b": "x"}, {"a": 1, "b": "y"}, {"a": 1, "b": "z"},
        {"a": 2, "b": "x"}, {"a": 2, "b": "y"}, {"a": 2, "b": "z"},
    ]
    with pytest.raises(IndexError, match="map_index 6 is out of range"):
        expand_input.resolve({}, 6)
    assert DictOfListsExpandInput({"kv": {"k": 1}}).resolve({}, 0) == {"kv": ("k", 1)}


def test_task_group_decorator_forwards_the_return_value_and_uses_the_docstring_as_tooltip() -> None:
    with DAG("d", start_date=START, schedule=None) as dag:
        @task
        def start():
            return 1

        @task
        def inner(x):
            return x

        @task_group(default_args={"retries": 2})
        def group(x):
            """Does the inner work."""
            return inner(x)

        out = group(start())
        @task
        def end(v):
            return v

        end(out)
    assert dag.get_task("group.inner").retries == 2
    assert dag.get_task("end").upstream_task_ids == {"group.inner"}
    assert dag.task_group.children["group"].tooltip == "Does the inner work."


def test_a_mapped_task_inside_a_mapped_task_group_is_refused() -> None:
    with DAG("d", start_date=START, schedule=None):
        @task
        def inner(x):
            return x

        @task_group
        def group(x):
            inner.expand(x=[1, 2])

        with pytest.raises(DagDefinitionError, match="map the group or the task, not both"):
            group.expand(x=[1, 2])


def test_consumers_of_a_task_include_mapped_group_tasks_and_follow_new_tasks() -> None:
    from slipstream.sdk.mapping import check_pushed_for_mapping, consumers_of

    with DAG("d", start_date=START, schedule=None) as dag:
        @task
        def numbers():
            return [1, 2]

        @task
        def double(x):
            return 2 * x

        @task_group
        def per_number(x):
            return double(x)

        source = numbers()
        per_number.expand(x=source)
    assert [(t.task_id, key) for t, key in consumers_of(dag.get_task("numbers"))] == [("per_number.double", "return_value")]
    with dag:
        double.override(task_id="again").expand(x=source)
    assert sorted(t.task_id for t, _ in consumers_of(dag.get_task("numbers"))) == ["again", "per_number.double"]
    with pytest.raises(TypeError, match="'numbers' returned int .* expands over it: return a list or a dict"):
        check_pushed_for_mapping(dag.get_task("numbers"), {"return_value": 3}, 10)
    with pytest.raises(ValueError, match="more than max_map_length"):
        check_pushed_for_mapping(dag.get_task("numbers"), {"return_value": list(range(11))}, 10)
