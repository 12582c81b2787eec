"""Retry policies: ``retry_policy=`` on a task decides, from the exception a failed try raised,
whether to retry, fail at once, or do what ``retries`` says, and may change the wait.

The policy runs in the task process, right after the failure; ``AirflowFailException`` and
``AirflowSensorTimeout`` fail without asking it. A policy cannot add tries beyond ``retries``:
RETRY with no try left fails as usual. A policy that raises is logged and ignored.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

log = logging.getLogger("slipstream.task")


class RetryAction(Enum):
    RETRY = "retry"
    FAIL = "fail"
    DEFAULT = "default"


@dataclass(frozen=True)
class RetryDecision:
    """What to do after a failed try; ``retry_delay`` None keeps the task's own delay."""

    action: RetryAction = RetryAction.DEFAULT
    retry_delay: timedelta | None = None
    reason: str | None = None

    @classmethod
    def fail(cls, reason: str | None = None) -> RetryDecision:
        return cls(RetryAction.FAIL, reason=reason)

    @classmethod
    def retry(cls, delay: timedelta | None = None, reason: str | None = None) -> RetryDecision:
        return cls(RetryAction.RETRY, retry_delay=delay, reason=reason)

    @classmethod
    def default(cls) -> RetryDecision:
        return cls(RetryAction.DEFAULT)


class RetryPolicy(ABC):
    """Subclass it and implement ``evaluate``."""

    @abstractmethod
    def evaluate(
        self, exception: BaseException, try_number: int, max_tries: int, context: Mapping[str, Any] | None = None
    ) -> RetryDecision:
        """The decision for ``exception``, raised by try ``try_number`` of at most ``max_tries`` retries."""


@dataclass
class RetryRule:
    """Exceptions (classes or dotted paths, one or a list) and what to do when one of them is raised."""

    exception: type[BaseException] | str | Sequence[type[BaseException] | str]
    action: RetryAction = RetryAction.RETRY
    retry_delay: timedelta | None = None
    reason: str | None = None
    match_subclasses: bool = True
    _classes: list[type[BaseException]] | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for spec in self._specs():
            if isinstance(spec, str) and (not spec or "." not in spec):
                raise ValueError(
                    f"RetryRule exception {spec!r}: give an exception class or its dotted path (builtins.ValueError)"
                )
            if not isinstance(spec, str) and not (isinstance(spec, type) and issubclass(spec, BaseException)):
                raise TypeError(f"RetryRule exception {spec!r} is neither an exception class nor a dotted path")

    def _specs(self) -> list[type[BaseException] | str]:
        exception = self.exception
        return list(exception) if isinstance(exception, (list, tuple)) else [exception]  # type: ignore[list-item]

    def classes(self) -> list[type[BaseException]]:
        """The exception classes, imported on first use; a path that does not import is logged and skipped."""
        if self._classes is None:
            from slipstream.sdk.module_loading import import_string

            found: list[type[BaseException]] = []
            for spec in self._specs():
                if not isinstance(spec, str):
                    found.append(spec)
                    continue
                try:
                    found.append(import_string(spec))
                except ImportError as err:
                    log.warning("Retry rule: %s; the rule will not match it", err)
            self._classes = found
        return self._classes

    def matches(self, error: BaseException) -> bool:
        classes = tuple(self.classes())
        if not classes:
            return False
        return isinstance(error, classes) if self.match_subclasses else type(error) in classes


class ExceptionRetryPolicy(RetryPolicy):
    """Rules tried in order, the first that matches decides; ``default`` when none does."""

    def __init__(self, rules: Sequence[RetryRule], default: RetryAction = RetryAction.DEFAULT) -> None:
        self.rules = list(rules)
        self.default = default

    def evaluate(
        self, exception: BaseException, try_number: int, max_tries: int, context: Mapping[str, Any] | None = None
    ) -> RetryDecision:
        for rule in self.rules:
            if rule.matches(exception):
                reason = rule.reason or f"a retry rule matched {type(exception).__name__}"
                return RetryDecision(rule.action, retry_delay=rule.retry_delay, reason=reason)
        return RetryDecision(self.default)


def decide(
    policy: RetryPolicy | None, error: BaseException, try_number: int, max_tries: int, context: Mapping[str, Any]
) -> RetryDecision:
    """The policy's decision, or DEFAULT without a policy or when the policy itself fails."""
    if policy is None:
        return RetryDecision()
    try:
        decision = policy.evaluate(error, try_number, max_tries, context)
    except Exception:  # noqa: BLE001 - a broken policy must not hide the task's own failure
        log.exception("The retry policy %s failed; the task's retries decide", type(policy).__name__)
        return RetryDecision()
    if not isinstance(decision, RetryDecision):
        log.error("The retry policy %s returned %r, not a RetryDecision; the task's retries decide",
                  type(policy).__name__, decision)
        return RetryDecision()
    if decision.reason:
        log.info("Retry policy: %s (%s)", decision.action.value, decision.reason)
    return decision
