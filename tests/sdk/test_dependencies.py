"""Dependencies: >>, <<, lists, set_upstream/set_downstream, chain and cross_downstream."""

from __future__ import annotations

import pytest

from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG, TaskGroup, chain, cross_downstream


def make(dag_id: str, *task_ids: str) -> tuple[DAG, list[EmptyOperator]]:
    dag = DAG(dag_id)
    return dag, [EmptyOperator(task_id=t, dag=dag) for t in task_ids]


def edges(dag: DAG) -> set[tuple[str, str]]:
    found = {(t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids}
    # both ends of every edge agree
    assert found == {(u, t.task_id) for t in dag.tasks for u in t.upstream_task_ids}
    return found


def test_rshift_sets_downstream_and_returns_the_right_side() -> None:
    dag, (a, b, c) = make("r", "a", "b", "c")
    result = a >> b
    assert result is b
    b >> c
    assert edges(dag) == {("a", "b"), ("b", "c")}


def test_chained_rshift() -> None:
    dag, (a, b, c) = make("r2", "a", "b", "c")
    a >> b >> c
    assert edges(dag) == {("a", "b"), ("b", "c")}


def test_lshift_sets_upstream() -> None:
    dag, (a, b, c) = make("l", "a", "b", "c")
    assert (c << b) is b
    b << a
    assert edges(dag) == {("a", "b"), ("b", "c")}


def test_list_on_the_right() -> None:
    dag, (a, b, c) = make("lr", "a", "b", "c")
    result = a >> [b, c]
    assert result == [b, c]
    assert edges(dag) == {("a", "b"), ("a", "c")}


def test_list_on_the_left() -> None:
    dag, (a, b, c) = make("ll", "a", "b", "c")
    assert ([a, b] >> c) is c
    assert edges(dag) == {("a", "c"), ("b", "c")}


def test_fan_out_fan_in() -> None:
    dag, (start, x, y, end) = make("fan", "start", "x", "y", "end")
    start >> [x, y] >> end
    assert edges(dag) == {("start", "x"), ("start", "y"), ("x", "end"), ("y", "end")}


def test_task_lshift_list() -> None:
    dag, (a, b, c) = make("lsl", "a", "b", "c")
    assert (a << [b, c]) == [b, c]
    assert edges(dag) == {("b", "a"), ("c", "a")}


def test_list_lshift_task() -> None:
    dag, (a, b, c) = make("lsl2", "a", "b", "c")
    [b, c] << a
    assert edges(dag) == {("a", "b"), ("a", "c")}


def test_list_to_list_is_pythons_type_error() -> None:
    _, (a, b) = make("ll_err", "a", "b")
    with pytest.raises(TypeError, match="unsupported operand type"):
        [a] >> [b]  # type: ignore[operator]  # noqa: B018


def test_non_task_on_either_side_is_a_type_error() -> None:
    _, (a,) = make("bad_dep", "a")
    with pytest.raises(TypeError, match="only be set between tasks"):
        a >> "b"
    with pytest.raises(TypeError, match="only be set between tasks"):
        a >> [None]


def test_set_upstream_and_set_downstream() -> None:
    dag, (a, b, c, d) = make("methods", "a", "b", "c", "d")
    a.set_downstream(b)
    c.set_upstream(b)
    d.set_upstream([a, c])
    assert edges(dag) == {("a", "b"), ("b", "c"), ("a", "d"), ("c", "d")}


def test_setting_the_same_edge_twice_is_harmless() -> None:
    dag, (a, b) = make("twice", "a", "b")
    a >> b
    a >> b
    b << a
    assert edges(dag) == {("a", "b")}


def test_task_without_dag_joins_the_dag_of_its_partner() -> None:
    dag, (a,) = make("joins", "a")
    loose = EmptyOperator(task_id="loose")
    a >> loose
    assert loose.dag is dag
    assert dag.has_task("loose")


def test_chain_of_tasks_and_lists() -> None:
    dag, (a, b, c, d) = make("chain", "a", "b", "c", "d")
    chain(a, [b, c], d)
    assert edges(dag) == {("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")}


def test_chain_pairs_two_lists_one_to_one() -> None:
    dag, (a1, a2, b1, b2, end) = make("pairs", "a1", "a2", "b1", "b2", "end")
    chain([a1, a2], [b1, b2], end)
    assert edges(dag) == {("a1", "b1"), ("a2", "b2"), ("b1", "end"), ("b2", "end")}


def test_chain_lists_of_different_length_are_refused() -> None:
    _, (a, b, c) = make("pairs_bad", "a", "b", "c")
    with pytest.raises(ValueError, match="same length, got 2 and 1"):
        chain([a, b], [c])


def test_chain_with_one_element_or_none_does_nothing() -> None:
    dag, (a,) = make("chain1", "a")
    chain(a)
    chain()
    assert edges(dag) == set()


def test_cross_downstream() -> None:
    dag, tasks = make("cross", "x1", "x2", "x3", "y1", "y2")
    cross_downstream(tasks[:3], tasks[3:])
    assert edges(dag) == {(x, y) for x in ("x1", "x2", "x3") for y in ("y1", "y2")}


def test_cross_downstream_to_a_single_task() -> None:
    dag, (x1, x2, y) = make("cross1", "x1", "x2", "y")
    cross_downstream([x1, x2], y)
    assert edges(dag) == {("x1", "y"), ("x2", "y")}


def test_task_group_on_either_side() -> None:
    with DAG("groups") as dag:
        start = EmptyOperator(task_id="start")
        with TaskGroup("work") as work:
            first = EmptyOperator(task_id="first")
            second_a = EmptyOperator(task_id="second_a")
            second_b = EmptyOperator(task_id="second_b")
            first >> [second_a, second_b]
        end = EmptyOperator(task_id="end")
        start >> work >> end
    assert first.task_id == "work.first"
    assert edges(dag) == {
        ("start", "work.first"),
        ("work.first", "work.second_a"),
        ("work.first", "work.second_b"),
        ("work.second_a", "end"),
        ("work.second_b", "end"),
    }


def test_task_group_to_task_group_and_lshift() -> None:
    with DAG("group_pairs") as dag:
        with TaskGroup("g1") as g1:
            EmptyOperator(task_id="a")
        with TaskGroup("g2") as g2:
            EmptyOperator(task_id="b")
        with TaskGroup("g3") as g3:
            EmptyOperator(task_id="c")
        g1 >> g2
        g3 << g2
    assert edges(dag) == {("g1.a", "g2.b"), ("g2.b", "g3.c")}


def test_list_of_task_groups() -> None:
    with DAG("group_list") as dag:
        start = EmptyOperator(task_id="start")
        with TaskGroup("g1") as g1:
            EmptyOperator(task_id="a")
        with TaskGroup("g2") as g2:
            EmptyOperator(task_id="b")
        start >> [g1, g2]
    assert edges(dag) == {("start", "g1.a"), ("start", "g2.b")}


def test_xcom_arg_on_either_side() -> None:
    dag, (a, b) = make("xcom_side", "a", "b")
    a.output >> b
    assert edges(dag) == {("a", "b")}


def test_chain_linear_links_every_task_of_one_element_to_every_task_of_the_next() -> None:
    from slipstream.sdk.dependencies import chain_linear

    dag, (a, b, c, d, e, f) = make("cl", "a", "b", "c", "d", "e", "f")
    chain_linear(a, [b, c], [d, e], f)
    assert edges(dag) == {("a", "b"), ("a", "c"), ("b", "d"), ("b", "e"), ("c", "d"), ("c", "e"), ("d", "f"), ("e", "f")}


def test_chain_linear_refuses_one_element_and_labels() -> None:
    from slipstream.sdk.dependencies import chain_linear
    from slipstream.sdk.edges import Label

    _, (a, b) = make("cl2", "a", "b")
    with pytest.raises(ValueError, match=r"at least two elements.*chain_linear\(\*tasks\)"):
        chain_linear([a, b])
    with pytest.raises(ValueError, match="does not take labels"):
        chain_linear(a, Label("x"), b)
