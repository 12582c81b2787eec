"""What a task instance should do next, given its trigger rule and its upstream states."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from enum import StrEnum

from slipstream.sdk.trigger_rule import TriggerRule as TR
from slipstream.store.states import TaskInstanceState as TI


class Decision(StrEnum):
    WAIT = "wait"
    RUN = "run"
    SKIP = "skip"
    UPSTREAM_FAILED = "upstream_failed"


def decide(rule: str, upstream_states: Iterable[str] | Mapping[str, int]) -> Decision:
    """Airflow's trigger-rule semantics: run, wait, skip, or mark upstream_failed.

    ``upstream_states``: the state of each upstream task instance, or how many are in each state."""
    rule = TR.parse(rule)
    if isinstance(upstream_states, Mapping):
        counts = Counter({str(s): n for s, n in upstream_states.items() if n > 0})
    else:
        counts = Counter(str(s) for s in upstream_states)
    counts.pop(TI.REMOVED.value, None)
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
        if not all_done:
            return Decision.WAIT
        return Decision.RUN if success else Decision.SKIP
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
