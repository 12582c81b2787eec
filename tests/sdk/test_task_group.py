"""TaskGroup: prefixed ids, nesting, default_args and duplicate names."""

from __future__ import annotations

import pytest

from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG, DuplicateTaskIdFound, TaskGroup
from slipstream.sdk.exceptions import DagDefinitionError


def test_tasks_in_a_group_get_the_prefix() -> None:
    with DAG("prefix") as dag:
        with TaskGroup("extract_load") as group:
            extract = EmptyOperator(task_id="extract")
            validate = EmptyOperator(task_id="validate")
        outside = EmptyOperator(task_id="transform")
    assert dag.task_ids == ["extract_load.extract", "extract_load.validate", "transform"]
    assert extract.task_group is group and validate.task_group is group
    assert outside.task_group is dag.task_group
    assert group.group_id == "extract_load"
    assert group.iter_tasks() == [extract, validate]


def test_display_name_of_a_task_keeps_its_short_id() -> None:
    with DAG("display"):
        with TaskGroup("g"):
            task = EmptyOperator(task_id="short")
    assert task.task_id == "g.short"
    assert task.task_display_name == "short"


def test_nested_groups() -> None:
    with DAG("nested") as dag:
        with TaskGroup("outer") as outer:
            with TaskGroup("inner") as inner:
                deep = EmptyOperator(task_id="deep")
            shallow = EmptyOperator(task_id="shallow")
    assert inner.group_id == "outer.inner"
    assert inner.label == "inner"
    assert deep.task_id == "outer.inner.deep"
    assert shallow.task_id == "outer.shallow"
    assert outer.iter_tasks() == [deep, shallow]
    assert set(dag.task_ids) == {"outer.inner.deep", "outer.shallow"}


def test_prefix_group_id_false() -> None:
    with DAG("no_prefix") as dag:
        with TaskGroup("plain", prefix_group_id=False):
            task = EmptyOperator(task_id="t")
    assert task.task_id == "t"
    assert dag.has_task("t")


def test_group_default_args_apply_and_override_dag_default_args() -> None:
    with DAG("group_defaults", default_args={"retries": 2, "owner": "dag-owner"}):
        with TaskGroup("g", default_args={"retries": 5}):
            in_group = EmptyOperator(task_id="in_group")
            explicit = EmptyOperator(task_id="explicit", retries=0)
            with TaskGroup("child", default_args={"owner": "child-owner"}):
                nested = EmptyOperator(task_id="nested")
        outside = EmptyOperator(task_id="outside")
    assert (in_group.retries, in_group.owner) == (5, "dag-owner")
    assert explicit.retries == 0
    assert (nested.retries, nested.owner) == (5, "child-owner")
    assert (outside.retries, outside.owner) == (2, "dag-owner")


def test_group_with_dag_argument_outside_a_with_block() -> None:
    dag = DAG("group_dag_arg")
    group = TaskGroup("g", dag=dag)
    task = EmptyOperator(task_id="t", dag=dag, task_group=group)
    assert task.task_id == "g.t"
    assert dag.has_task("g.t")


def test_group_outside_a_dag_is_refused() -> None:
    with pytest.raises(DagDefinitionError, match="not inside a DAG"):
        TaskGroup("orphan")


def test_duplicate_group_id_is_refused() -> None:
    with DAG("dupe_group"):
        with TaskGroup("g"):
            EmptyOperator(task_id="a")
        with pytest.raises(DuplicateTaskIdFound, match="'g'"):
            TaskGroup("g")


def test_duplicate_group_id_with_suffix_on_collision() -> None:
    with DAG("suffix_group"):
        with TaskGroup("g"):
            EmptyOperator(task_id="a")
        with TaskGroup("g", add_suffix_on_collision=True) as second:
            task = EmptyOperator(task_id="a")
    assert second.group_id == "g__1"
    assert task.task_id == "g__1.a"


def test_duplicate_task_in_group_is_refused() -> None:
    with DAG("dupe_task_group"):
        with TaskGroup("g"):
            EmptyOperator(task_id="a")
            with pytest.raises(DuplicateTaskIdFound, match="'g.a'"):
                EmptyOperator(task_id="a")


def test_invalid_group_id_is_refused() -> None:
    with DAG("bad_group"):
        with pytest.raises(ValueError, match="group_id"):
            TaskGroup("bad id")


def test_group_handles_are_its_roots_and_leaves() -> None:
    with DAG("handles"):
        with TaskGroup("g") as group:
            a, b, c = (EmptyOperator(task_id=t) for t in "abc")
            a >> b
    assert group.upstream_handles() == [a, c]
    assert group.downstream_handles() == [b, c]


def test_serialize_shows_the_tree() -> None:
    with DAG("tree") as dag:
        with TaskGroup("g", tooltip="tip"):
            EmptyOperator(task_id="a")
            with TaskGroup("h"):
                EmptyOperator(task_id="b")
        EmptyOperator(task_id="top")
    tree = dag.task_group.serialize()
    assert tree["group_id"] is None
    group = tree["children"][0]["group"]
    assert group["group_id"] == "g" and group["tooltip"] == "tip"
    assert group["children"][0] == {"task": "g.a"}
    assert group["children"][1]["group"]["children"] == [{"task": "g.h.b"}]
    assert tree["children"][1] == {"task": "top"}
