"""``@result`` on top of ``@task`` marks the task; on anything else it says how to use it."""

from __future__ import annotations

import pytest

from slipstream.sdk import task
from slipstream.sdk.dag_result import result


def test_marks_a_task_function() -> None:
    @result
    @task
    def answer() -> int:
        return 42

    assert answer.returns_dag_result is True


def test_refuses_a_plain_function() -> None:
    with pytest.raises(TypeError, match="on top of a @task-decorated function"):
        result(lambda: 1)
