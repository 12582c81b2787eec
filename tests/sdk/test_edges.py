"""Edge labels: ``a >> Label("x") >> b`` links the tasks and keeps the label on the edge."""

from __future__ import annotations

import json

import pytest

from slipstream.dagfiles.serialization import serialize_dag
from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG, TaskGroup
from slipstream.sdk.edges import EdgeModifier, Label


def tasks(dag_id: str, *task_ids: str) -> tuple[DAG, list[EmptyOperator]]:
    dag = DAG(dag_id)
    return dag, [EmptyOperator(task_id=t, dag=dag) for t in task_ids]


def test_label_between_two_tasks() -> None:
    dag, (a, b) = tasks("l1", "a", "b")
    a >> Label("when ready") >> b
    assert a.downstream_task_ids == {"b"} and b.upstream_task_ids == {"a"}
    assert dag.get_edge_info("a", "b") == {"label": "when ready"}
    assert dag.get_edge_info("b", "a") == {}


def test_label_with_lists_and_lshift() -> None:
    dag, (a, b, c, d) = tasks("l2", "a", "b", "c", "d")
    [a, b] >> Label("both") >> [c, d]
    d << Label("back") << a
    assert {(u, t.task_id) for t in dag.tasks for u in t.upstream_task_ids} == {
        ("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")
    }
    assert dag.get_edge_info("b", "c") == {"label": "both"}
    assert dag.get_edge_info("a", "d") == {"label": "back"}  # the later label wins, as in Airflow


def test_label_from_a_task_group_labels_each_edge_out_of_it() -> None:
    dag = DAG("l3")
    with dag:
        with TaskGroup("group") as group:
            first = EmptyOperator(task_id="first")
            last = EmptyOperator(task_id="last")
            first >> last
        after = EmptyOperator(task_id="after")
    group >> Label("group done") >> after
    assert after.upstream_task_ids == {"group.last"}
    assert dag.get_edge_info("group.last", "after") == {"label": "group done"}


def test_labels_are_in_the_serialized_dag() -> None:
    dag, (a, b, c) = tasks("l4", "a", "b", "c")
    a >> Label("x") >> b >> c
    data = json.loads(json.dumps(serialize_dag(dag)))
    assert data["edge_info"] == {"a": {"b": {"label": "x"}}}


def test_a_label_alone_is_refused_with_a_clear_error() -> None:
    _, (a,) = tasks("l5", "a")
    with pytest.raises(TypeError, match="edge label must be a string"):
        EdgeModifier(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="only sit between tasks"):
        Label("x") >> "not a task"
    with pytest.raises(TypeError, match="only sit between tasks"):
        a >> Label("x") >> Label("y")


def test_chain_takes_labels_between_tasks() -> None:
    from slipstream.sdk import chain

    dag, (a, b, c) = tasks("l6", "a", "b", "c")
    chain(a, Label("first"), b, c)
    assert {(u, t.task_id) for t in dag.tasks for u in t.upstream_task_ids} == {("a", "b"), ("b", "c")}
    assert dag.get_edge_info("a", "b") == {"label": "first"} and dag.get_edge_info("b", "c") == {}
