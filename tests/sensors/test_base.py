"""BaseSensorOperator run for real through the task runner: poke mode, reschedule mode, timeouts,
soft_fail / never_fail / silent_fail, PokeReturnValue and the intervals between pokes."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sensor_helpers import run

from slipstream.sdk import DAG
from slipstream.sdk.exceptions import AirflowFailException, DagDefinitionError
from slipstream.sensors.base import BaseSensorOperator, PokeReturnValue


class CountingSensor(BaseSensorOperator):
    """Done at the ``done_at``-th poke; ``action`` may raise instead."""

    def __init__(self, *, done_at: int | None = None, action: Callable[[int], Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.done_at = done_at
        self.action = action
        self.pokes: list[float] = []

    def poke(self, context: Mapping[str, Any]) -> Any:
        self.pokes.append(time.monotonic())
        if self.action is not None:
            return self.action(len(self.pokes))
        return self.done_at is not None and len(self.pokes) >= self.done_at


def sensor_dag(**kwargs: Any) -> tuple[DAG, CountingSensor]:
    dag = DAG("sensor_dag", fileloc="/nonexistent/sensor_dag.py")
    return dag, CountingSensor(task_id="wait", dag=dag, **kwargs)


def test_poke_mode_pokes_until_done_and_sleeps_between() -> None:
    dag, sensor = sensor_dag(done_at=3, poke_interval=0.05)
    result = run(dag, "wait")
    assert result.state == "success"
    assert len(sensor.pokes) == 3
    gaps = [b - a for a, b in zip(sensor.pokes, sensor.pokes[1:], strict=False)]
    assert all(gap >= 0.045 for gap in gaps)
    assert result.xcoms == ()


def test_poke_return_value_is_pushed_as_the_return_value() -> None:
    dag, _ = sensor_dag(action=lambda n: PokeReturnValue(n == 2, xcom_value={"found": n}), poke_interval=0.01)
    result = run(dag, "wait")
    assert result.state == "success"
    assert result.xcoms == (("return_value", {"found": 2}),)


def test_timeout_fails_without_using_retries(capsys: pytest.CaptureFixture) -> None:
    dag, sensor = sensor_dag(poke_interval=0.02, timeout=0.1, retries=3)
    result = run(dag, "wait", try_number=1, max_tries=3)
    assert result.state == "failed"
    assert "AirflowSensorTimeout" in (result.error or "")
    assert "(no retry)" in (result.error or "")
    assert len(sensor.pokes) >= 3
    assert "AirflowSensorTimeout" in capsys.readouterr().out


def test_the_last_poke_is_at_the_timeout_not_a_whole_interval_later() -> None:
    dag, sensor = sensor_dag(poke_interval=10, timeout=0.2)
    started = time.monotonic()
    assert run(dag, "wait").state == "failed"
    assert time.monotonic() - started < 2
    assert len(sensor.pokes) == 2


def test_soft_fail_turns_the_timeout_into_a_skip() -> None:
    dag, _ = sensor_dag(poke_interval=0.02, timeout=0.06, soft_fail=True)
    result = run(dag, "wait")
    assert result.state == "skipped"
    assert "soft_fail" in (result.error or "")


def test_soft_fail_skips_on_airflow_fail_exception_but_not_on_other_errors() -> None:
    def fail(_: int) -> bool:
        raise AirflowFailException("the source is gone")

    dag, _ = sensor_dag(action=fail, soft_fail=True)
    assert run(dag, "wait").state == "skipped"

    def broken(_: int) -> bool:
        raise KeyError("bug")

    dag, _ = sensor_dag(action=broken, soft_fail=True, retries=1)
    assert run(dag, "wait", max_tries=1).state == "up_for_retry"


def test_never_fail_skips_on_any_error() -> None:
    def broken(_: int) -> bool:
        raise KeyError("bug")

    dag, _ = sensor_dag(action=broken, never_fail=True)
    result = run(dag, "wait")
    assert result.state == "skipped"
    assert "KeyError" in (result.error or "")


def test_silent_fail_logs_a_broken_poke_and_keeps_waiting(caplog: pytest.LogCaptureFixture) -> None:
    def flaky(n: int) -> bool:
        if n == 1:
            raise ConnectionError("not reachable yet")
        return True

    dag, sensor = sensor_dag(action=flaky, silent_fail=True, poke_interval=0.01)
    assert run(dag, "wait").state == "success"
    assert len(sensor.pokes) == 2
    assert "silent_fail" in caplog.text
    assert "ConnectionError: not reachable yet" in caplog.text


def test_an_error_in_poke_fails_the_try_with_retries_left() -> None:
    def broken(_: int) -> bool:
        raise ValueError("bad input")

    dag, _ = sensor_dag(action=broken, retries=2, retry_delay=1)
    result = run(dag, "wait", try_number=1, max_tries=2)
    assert result.state == "up_for_retry"
    assert "ValueError: bad input" in (result.error or "")


def test_reschedule_mode_ends_the_try_after_one_unsuccessful_poke() -> None:
    dag, sensor = sensor_dag(mode="reschedule", poke_interval=30)
    before = datetime.now(UTC)
    result = run(dag, "wait")
    assert result.state == "up_for_reschedule"
    assert len(sensor.pokes) == 1
    assert result.next_try_at is not None
    assert 29 <= (result.next_try_at - before).total_seconds() <= 31
    assert "rescheduled" in (result.error or "")


def test_reschedule_mode_succeeds_when_the_first_poke_finds_it() -> None:
    dag, _ = sensor_dag(mode="reschedule", done_at=1)
    assert run(dag, "wait").state == "success"


def test_intervals_with_exponential_backoff_double_up_to_max_wait() -> None:
    _, sensor = sensor_dag(poke_interval=2, exponential_backoff=True, max_wait=timedelta(seconds=10), timeout=100)
    assert [sensor.next_poke_interval(n, waited=0) for n in range(1, 6)] == [2, 4, 8, 10, 10]
    assert sensor.next_poke_interval(3, waited=97) == 3
    _, plain = sensor_dag(poke_interval=timedelta(seconds=5), timeout=100)
    assert [plain.next_poke_interval(n, waited=0) for n in range(1, 4)] == [5, 5, 5]
    assert plain.poke_interval == 5.0


def test_defaults_match_airflow() -> None:
    _, sensor = sensor_dag()
    assert sensor.poke_interval == 60
    assert sensor.timeout == 7 * 24 * 3600
    assert sensor.mode == "poke"
    assert not sensor.soft_fail and not sensor.exponential_backoff and sensor.max_wait is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "sleep"}, "mode must be one of poke, reschedule"),
        ({"poke_interval": -1}, "poke_interval cannot be negative"),
        ({"timeout": "soon"}, "timeout must be seconds or a timedelta"),
        ({"soft_fail": True, "never_fail": True}, "soft_fail and never_fail"),
    ],
)
def test_bad_arguments_are_refused_when_the_dag_is_built(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(DagDefinitionError, match=message):
        sensor_dag(**kwargs)


def test_default_args_reach_sensor_arguments() -> None:
    dag = DAG("defaults", fileloc="/nonexistent/defaults.py", default_args={"poke_interval": 7, "mode": "reschedule"})
    sensor = CountingSensor(task_id="wait", dag=dag)
    assert (sensor.poke_interval, sensor.mode) == (7, "reschedule")


def test_poke_must_be_implemented() -> None:
    dag = DAG("bare", fileloc="/nonexistent/bare.py")
    BaseSensorOperator(task_id="bare", dag=dag)
    result = run(dag, "bare")
    assert result.state == "failed"
    assert "must implement poke" in (result.error or "")


def test_timeout_none_is_the_seven_day_default_and_modes_are_the_valid_ones() -> None:
    _, sensor = sensor_dag(timeout=None)
    assert sensor.timeout == timedelta(days=7).total_seconds()
    assert BaseSensorOperator.valid_modes == ("poke", "reschedule")

    class PokeOnly(CountingSensor):
        valid_modes = ("poke",)

    with pytest.raises(DagDefinitionError, match="mode must be one of poke, got 'reschedule'"):
        PokeOnly(task_id="p", mode="reschedule")
