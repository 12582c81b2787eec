"""What a task instance should do next, given its trigger rule and its upstream states."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import TYPE_CHECKING

from slipstream.sdk.trigger_rule import TriggerRule as TR
from slipstream.store.states import FINISHED_TI_STATES
from slipstream.store.states import TaskInstanceState as TI

if TYPE_CHECKING:
    from slipstream.dagfiles.setup_teardown_graph import SetupTeardownGraph

FINISHED = frozenset(s.value for s in FINISHED_TI_STATES)


class Decision(StrEnum):
    WAIT = "wait"
    RUN = "run"
    SKIP = "skip"
    UPSTREAM_FAILED = "upstream_failed"


def _counted(states: Iterable[str] | Mapping[str, int]) -> Counter[str]:
    if isinstance(states, Mapping):
        counts = Counter({str(s): n for s, n in states.items() if n > 0})
    else:
        counts = Counter(str(s) for s in states)
    counts.pop(TI.REMOVED.value, None)
    return counts


def decide(
    rule: str,
    upstream_states: Iterable[str] | Mapping[str, int],
    setup_states: Iterable[str] | Mapping[str, int] = (),
) -> Decision:
    """Airflow's trigger-rule semantics: run, wait, skip, or mark upstream_failed.

    ``upstream_states``: the state of each upstream task instance, or how many are in each state.
    ``setup_states``: the same for the upstream instances that are setups (only
    ``all_done_setup_success``, a teardown's rule, reads them)."""
    rule = TR.parse(rule)
    counts = _counted(upstream_states)
    total = sum(counts.values())
    if total == 0 or rule is TR.ALWAYS:
        return Decision.RUN
    success = counts[TI.SUCCESS.value]
    skipped = counts[TI.SKIPPED.value]
    failed = counts[TI.FAILED.value] + counts[TI.UPSTREAM_FAILED.value]
    all_done = success + skipped + failed == total

    if rule is TR.ALL_SUCCESS:
        if failed:
            return Decision.UPSTREAM_FAILED
        if skipped:
            return Decision.SKIP
        return Decision.RUN if success == total else Decision.WAIT
    if rule is TR.ALL_FAILED:
        if success or skipped:
            return Decision.SKIP
        return Decision.RUN if all_done else Decision.WAIT
    if rule is TR.ALL_DONE:
        return Decision.RUN if all_done else Decision.WAIT
    if rule is TR.ALL_DONE_MIN_ONE_SUCCESS:
        if skipped:
            return Decision.SKIP
        if not all_done:
            return Decision.WAIT
        return Decision.RUN if success else Decision.UPSTREAM_FAILED
    if rule is TR.ALL_DONE_SETUP_SUCCESS:
        if not all_done:
            return Decision.WAIT
        setups = _counted(setup_states)
        if setups and setups[TI.SKIPPED.value] == sum(setups.values()):
            return Decision.SKIP
        if setups and not setups[TI.SUCCESS.value]:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN
    if rule is TR.ALL_SKIPPED:
        if success or failed:
            return Decision.SKIP
        return Decision.RUN if all_done else Decision.WAIT
    if rule is TR.ONE_SUCCESS:
        if success:
            return Decision.RUN
        if not all_done:
            return Decision.WAIT
        return Decision.SKIP if skipped == total else Decision.UPSTREAM_FAILED
    if rule is TR.ONE_FAILED:
        if failed:
            return Decision.RUN
        return Decision.SKIP if all_done else Decision.WAIT
    if rule is TR.ONE_DONE:
        if success or counts[TI.FAILED.value]:
            return Decision.RUN
        return Decision.SKIP if all_done else Decision.WAIT
    if rule is TR.NONE_FAILED:
        if failed:
            return Decision.UPSTREAM_FAILED
        return Decision.RUN if all_done else Decision.WAIT
    if rule is TR.NONE_FAILED_MIN_ONE_SUCCESS:
        if failed:
            return Decision.UPSTREAM_FAILED
        if not all_done:
            return Decision.WAIT
        return Decision.SKIP if skipped == total else Decision.RUN
    if rule is TR.NONE_SKIPPED:
        if skipped:
            return Decision.SKIP
        return Decision.RUN if all_done else Decision.WAIT
    raise ValueError(f"unhandled trigger rule {rule}")


def decide_with_setups(
    rule: str,
    upstream_states: Mapping[str, int],
    states_of: Callable[[Iterable[str]], Mapping[str, int]],
    graph: SetupTeardownGraph,
    task_id: str,
) -> Decision:
    """``decide`` for a task of a DAG with setups and teardowns (``states_of(task_ids)``: how many
    instances of those tasks are in each state).

    A teardown decides on its direct setups, and then waits for every task between its setups
    and itself. A work task needs every setup it depends on further up to have succeeded: a
    failed one makes it upstream_failed, a skipped one skips it, whatever its own rule says."""
    decision = decide(rule, upstream_states, states_of(graph.direct_setups(task_id)))
    if task_id in graph.teardowns:
        scope = graph.teardown_scope(task_id)
        if decision is Decision.RUN and scope and any(
            n > 0 and state not in FINISHED for state, n in states_of(scope).items()
        ):
            return Decision.WAIT
        return decision
    indirect = graph.indirect_setups(task_id)
    if not indirect:
        return decision
    setups = _counted(states_of(indirect))
    if setups[TI.FAILED.value] or setups[TI.UPSTREAM_FAILED.value]:
        return Decision.UPSTREAM_FAILED
    if setups[TI.SKIPPED.value]:
        return Decision.SKIP
    if setups[TI.SUCCESS.value] < sum(setups.values()) and decision is Decision.RUN:
        return Decision.WAIT
    return decision
