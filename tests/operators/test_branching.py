"""Branching and short-circuiting, run through the real scheduler and task processes."""

from __future__ import annotations

import pytest

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

BRANCHES = """
from datetime import datetime
from airflow import DAG
from airflow.decorators import task
from airflow.operators.empty import EmptyOperator
from airflow.operators.python import BranchPythonOperator, ShortCircuitOperator

with DAG("branches", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    choose = BranchPythonOperator(task_id="choose", python_callable=lambda: "{choice}")
    left = EmptyOperator(task_id="left")
    right = EmptyOperator(task_id="right")
    after_left = EmptyOperator(task_id="after_left")
    join = EmptyOperator(task_id="join", trigger_rule="none_failed_min_one_success")
    choose >> [left, right]
    left >> after_left >> join
    right >> join

    @task.branch
    def pick_many():
        return ["b1", "b2"]

    chosen = pick_many()
    chosen >> [EmptyOperator(task_id="b1"), EmptyOperator(task_id="b2"), EmptyOperator(task_id="b3")]

    gate = ShortCircuitOperator(task_id="gate", python_callable=lambda: False)
    below = EmptyOperator(task_id="below")
    far_below = EmptyOperator(task_id="far_below", trigger_rule="all_done")
    gate >> below >> far_below

    soft_gate = ShortCircuitOperator(
        task_id="soft_gate", python_callable=lambda: 0, ignore_downstream_trigger_rules=False
    )
    soft_below = EmptyOperator(task_id="soft_below")
    soft_far = EmptyOperator(task_id="soft_far", trigger_rule="all_done")
    soft_gate >> soft_below >> soft_far

    @task.short_circuit
    def open_gate():
        return True

    open_gate() >> EmptyOperator(task_id="through")
"""


@pytest.fixture
def states(settings, db, write_dag, parse):
    def run(choice: str) -> dict[str, str]:
        write_dag("branches.py", BRANCHES.replace("{choice}", choice))
        parse()
        finished = run_dag_to_end(settings, db, "branches", timeout=60)
        with db.read() as session:
            rows = task_instances.for_run(session, "branches", finished.run_id)
        return {"__run__": finished.state, **{r.task_id: r.state for r in rows}}, {r.task_id: r for r in rows}

    return run


def test_branches_follow_the_choice_and_skip_the_rest(states):
    result, _ = states("left")
    assert result["__run__"] == "success"
    assert (result["left"], result["after_left"], result["right"], result["join"]) == (
        "success", "success", "skipped", "success"
    )
    assert (result["b1"], result["b2"], result["b3"]) == ("success", "success", "skipped")
    # ignore_downstream_trigger_rules=True skips everything below, whatever its trigger rule.
    assert (result["below"], result["far_below"]) == ("skipped", "skipped")
    # With False only the direct downstream is skipped; all_done below still runs.
    assert (result["soft_below"], result["soft_far"]) == ("skipped", "success")
    assert result["through"] == "success"


def test_a_branch_to_a_task_that_is_not_downstream_fails_clearly(states):
    result, rows = states("after_left")
    assert result["choose"] == "failed"
    assert "'after_left', which is not directly downstream" in rows["choose"].state_reason
    assert "it can follow: left, right" in rows["choose"].state_reason
    assert result["__run__"] == "failed"
