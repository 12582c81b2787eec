"""Retry policies: unit rules, and a real run where the policy fails one task at once and
retries another sooner than its retry_delay."""

from __future__ import annotations

import re
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest

from slipstream.sdk.retry_policy import ExceptionRetryPolicy, RetryAction, RetryDecision, RetryPolicy, RetryRule, decide


def test_rules_match_in_order_by_class_or_dotted_path() -> None:
    policy = ExceptionRetryPolicy(
        rules=[
            RetryRule(exception="builtins.KeyError", action=RetryAction.FAIL, reason="bad key"),
            RetryRule(exception=[ConnectionError, "builtins.TimeoutError"], retry_delay=timedelta(seconds=5)),
            RetryRule(exception=LookupError, match_subclasses=False, action=RetryAction.FAIL),
        ],
        default=RetryAction.DEFAULT,
    )
    assert policy.evaluate(KeyError("k"), 1, 3) == RetryDecision(RetryAction.FAIL, reason="bad key")
    decision = policy.evaluate(ConnectionRefusedError(), 1, 3)
    assert decision.action is RetryAction.RETRY and decision.retry_delay == timedelta(seconds=5)
    assert policy.evaluate(TimeoutError(), 1, 3).action is RetryAction.RETRY
    assert policy.evaluate(IndexError(), 1, 3).action is RetryAction.DEFAULT  # subclass, exact match asked
    assert policy.evaluate(LookupError(), 1, 3).action is RetryAction.FAIL


def test_a_rule_with_a_bad_exception_says_so() -> None:
    with pytest.raises(ValueError, match="dotted path"):
        RetryRule(exception="ValueError")
    with pytest.raises(TypeError, match="neither an exception class"):
        RetryRule(exception=3)  # type: ignore[arg-type]
    assert not RetryRule(exception="no_such_module.Error").matches(ValueError())


def test_a_broken_policy_leaves_the_decision_to_retries() -> None:
    class Broken(RetryPolicy):
        def evaluate(self, exception, try_number, max_tries, context=None):  # type: ignore[no-untyped-def]
            raise RuntimeError("policy bug")

    assert decide(Broken(), ValueError(), 1, 2, {}).action is RetryAction.DEFAULT
    assert decide(None, ValueError(), 1, 2, {}).action is RetryAction.DEFAULT


POLICY_DAG = '''
from datetime import datetime, timedelta
from pathlib import Path

from airflow.sdk import DAG, ExceptionRetryPolicy, RetryAction, RetryRule, task

TRIES = Path("{tries}")

with DAG("retry_policy", start_date=datetime(2024, 1, 1), schedule=None):

    @task(retries=3, retry_delay=timedelta(hours=1),
          retry_policy=ExceptionRetryPolicy([RetryRule(ValueError, action=RetryAction.FAIL, reason="bad input")]))
    def give_up():
        raise ValueError("not worth retrying")

    @task(retries=2, retry_delay=timedelta(hours=1),
          retry_policy=ExceptionRetryPolicy([RetryRule(ConnectionError, retry_delay=timedelta(0))]))
    def flaky():
        TRIES.mkdir(exist_ok=True)
        count = len(list(TRIES.iterdir()))
        (TRIES / str(count)).touch()
        if count == 0:
            raise ConnectionError("first try fails")
        return count

    give_up()
    flaky()
'''


def test_the_policy_decides_in_a_real_run(home: Path, slipstream) -> None:
    (home / "dags" / "retry_policy.py").write_text(textwrap.dedent(POLICY_DAG.format(tries=home / "tries")))
    done = slipstream("dags", "test", "retry_policy", code=1)
    out = done.stdout
    assert re.search(r"give_up\s.*\sfailed\s+.*\s1\s", out), out  # failed on its first try despite retries=3
    assert "give_up: ValueError: not worth retrying (retry policy: bad input)" in out, out
    assert re.search(r"flaky\s.*\ssuccess\s+.*\s2\s", out), out  # retried at once, not after an hour
