"""Every trigger rule against the combinations of upstream states that decide it."""

from __future__ import annotations

from collections import Counter

import pytest

from slipstream.dagfiles.serialization import SerializedDag, serialize_dag
from slipstream.operators.empty import EmptyOperator
from slipstream.scheduler.trigger_rules import Decision, decide, decide_with_setups
from slipstream.sdk import DAG
from slipstream.sdk.trigger_rule import TriggerRule

S, F, K, U, N, R = "success", "failed", "skipped", "upstream_failed", "none", "running"
RUN, WAIT, SKIP, UF = Decision.RUN, Decision.WAIT, Decision.SKIP, Decision.UPSTREAM_FAILED

CASES = [
    ("all_success", [S, S], RUN), ("all_success", [S, R], WAIT), ("all_success", [S, F], UF),
    ("all_success", [R, F], UF), ("all_success", [S, U], UF), ("all_success", [S, K], SKIP),
    ("all_failed", [F, U], RUN), ("all_failed", [F, R], WAIT), ("all_failed", [F, S], SKIP), ("all_failed", [F, K], SKIP),
    ("all_done", [S, F, K, U], RUN), ("all_done", [S, R], WAIT),
    # Airflow 3.3: any skipped upstream skips it at once; all done without a success is upstream_failed.
    ("all_done_min_one_success", [S, F], RUN), ("all_done_min_one_success", [F, K], SKIP),
    ("all_done_min_one_success", [S, R], WAIT), ("all_done_min_one_success", [S, K], SKIP),
    ("all_done_min_one_success", [K, R], SKIP), ("all_done_min_one_success", [F, F], UF),
    ("all_done_min_one_success", [F, U], UF), ("all_done_min_one_success", [F, R], WAIT),
    ("all_done_min_one_success", [S, U], RUN), ("all_done_min_one_success", [S, S], RUN),
    # A teardown's rule, without setups among its upstreams: all_done.
    ("all_done_setup_success", [S, F, K, U], RUN), ("all_done_setup_success", [S, R], WAIT),
    ("all_skipped", [K, K], RUN), ("all_skipped", [K, S], SKIP), ("all_skipped", [K, F], SKIP), ("all_skipped", [K, R], WAIT),
    ("one_success", [S, R], RUN), ("one_success", [F, R], WAIT), ("one_success", [F, K], UF), ("one_success", [K, K], SKIP),
    ("one_failed", [F, R], RUN), ("one_failed", [U, R], RUN), ("one_failed", [S, R], WAIT), ("one_failed", [S, K], SKIP),
    ("one_done", [S, R], RUN), ("one_done", [F, R], RUN), ("one_done", [K, R], WAIT), ("one_done", [K, K], SKIP),
    ("one_done", [U, R], WAIT), ("one_done", [U, K], SKIP),
    ("none_failed", [S, K], RUN), ("none_failed", [S, R], WAIT), ("none_failed", [S, F], UF), ("none_failed", [U, R], UF),
    ("none_failed_min_one_success", [S, K], RUN), ("none_failed_min_one_success", [K, K], SKIP),
    ("none_failed_min_one_success", [S, F], UF), ("none_failed_min_one_success", [S, R], WAIT),
    ("none_failed_or_skipped", [S, K], RUN),
    ("none_skipped", [S, F], RUN), ("none_skipped", [S, K], SKIP), ("none_skipped", [S, R], WAIT),
    ("always", [F, R, N], RUN),
]


@pytest.mark.parametrize(("rule", "upstream", "expected"), CASES)
def test_rule(rule: str, upstream: list[str], expected: Decision) -> None:
    assert decide(rule, upstream) is expected


@pytest.mark.parametrize("rule", sorted({c[0] for c in CASES}))
def test_a_task_without_upstream_runs_whatever_its_rule(rule: str) -> None:
    assert decide(rule, []) is RUN


def test_removed_upstreams_are_ignored() -> None:
    assert decide("all_success", [S, "removed"]) is RUN


def test_unknown_rule_is_refused_with_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="Unknown trigger_rule 'all_good'.*all_success"):
        decide("all_good", [S])


@pytest.mark.parametrize("rule", sorted(TriggerRule.__members__.values()))
def test_counts_of_states_decide_as_the_states_themselves(rule) -> None:
    """The scheduler passes how many upstream instances are in each state (a mapped upstream
    has thousands); zero counts must not count."""
    for states in (["success"] * 3, ["success", "failed", "skipped"], ["none", "success"], ["skipped"] * 2, []):
        counts = {"success": 0, "failed": 0, "none": 0, **Counter(states)}
        assert decide(rule, counts) is decide(rule, states), (rule, states)


# (states of all upstreams, states of the upstreams that are setups, expected): a teardown's rule.
SETUP_CASES = [
    ([S, F], [S], RUN),  # its setup ran, the work failed: the teardown runs
    ([F, U], [F], UF),  # its only setup failed: nothing to tear down
    ([K, K], [K], SKIP),  # its setup was skipped: skipped too
    ([S, F, U], [S, F], RUN),  # one of two setups succeeded: enough
    ([K, F, U], [K, F], UF),  # no setup succeeded, not all skipped
    ([S, R], [S], WAIT),  # the work still runs
    ([F, R], [F], WAIT),  # decided only once every upstream is done
]


@pytest.mark.parametrize(("upstream", "setups", "expected"), SETUP_CASES)
def test_a_teardown_runs_when_its_upstreams_are_done_and_a_setup_succeeded(upstream, setups, expected) -> None:
    assert decide("all_done_setup_success", upstream, setups) is expected


def test_setup_states_matter_only_to_the_teardown_rule() -> None:
    assert decide("all_done", [S, F], [F]) is RUN
    assert decide("all_success", [S, S], [F]) is RUN


def _indirect_setup_dag() -> SerializedDag:
    """s >> w1 >> w2 (all_done) >> t, t the teardown of s."""
    with DAG("indirect", schedule=None) as dag:
        s = EmptyOperator(task_id="s").as_setup()
        w1 = EmptyOperator(task_id="w1")
        w2 = EmptyOperator(task_id="w2", trigger_rule="all_done")
        t = EmptyOperator(task_id="t").as_teardown(setups=s)
        s >> w1 >> w2 >> t
    return SerializedDag(serialize_dag(dag))


def _decide_in(dag: SerializedDag, task_id: str, states: dict[str, str]) -> Decision:
    def states_of(task_ids):
        return Counter(states[t] for t in task_ids)

    task = dag.tasks[task_id]
    return decide_with_setups(task.trigger_rule, states_of(task.upstream), states_of, dag.setup_teardown, task_id)


@pytest.mark.parametrize(
    ("states", "expected"),
    [
        ({"s": F, "w1": U}, UF),  # a failed setup further up: upstream_failed despite all_done
        ({"s": K, "w1": K}, SKIP),
        ({"s": S, "w1": F}, RUN),  # the setup is there: its own rule decides
        ({"s": R, "w1": S}, WAIT),  # cannot happen in a run, but a setup not yet done holds it back
    ],
)
def test_work_needs_its_setups_further_up(states, expected) -> None:
    assert _decide_in(_indirect_setup_dag(), "w2", states) is expected


def test_a_teardown_waits_for_the_work_between_its_setups_and_it() -> None:
    dag = _indirect_setup_dag()
    # A task between the setup and the teardown that is not finished holds the teardown back.
    assert _decide_in(dag, "t", {"s": S, "w1": R, "w2": S}) is WAIT
    assert _decide_in(dag, "t", {"s": S, "w1": F, "w2": S}) is RUN
    assert _decide_in(dag, "t", {"s": F, "w1": U, "w2": U}) is UF
