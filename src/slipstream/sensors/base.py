"""BaseSensorOperator: a task that waits for a condition, checking it (a *poke*) now and then.

In ``poke`` mode the try keeps its slot and sleeps between pokes. In ``reschedule`` mode a
poke that finds nothing ends the try ``up_for_reschedule`` (raising AirflowRescheduleException)
and frees its slot; the scheduler hands the same try out again when the next poke is due. The
timeout then counts from the first poke, which the store remembers across reschedules.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.exceptions import (
    AirflowFailException,
    AirflowRescheduleException,
    AirflowSensorTimeout,
    AirflowSkipException,
    AirflowTaskTimeout,
    DagDefinitionError,
)

__all__ = ["BaseSensorOperator", "PokeReturnValue"]

MODES = ("poke", "reschedule")
DEFAULT_TIMEOUT = timedelta(days=7).total_seconds()

# Raised by a poke on purpose: they end the try as they say, whatever silent_fail says.
_DELIBERATE = (AirflowSensorTimeout, AirflowTaskTimeout, AirflowFailException, AirflowSkipException, AirflowRescheduleException)


@dataclass
class PokeReturnValue:
    """What a poke may return instead of a bool: whether the wait is over, and the value the
    sensor then returns (pushed as its ``return_value`` XCom)."""

    is_done: bool
    xcom_value: Any = None

    def __bool__(self) -> bool:
        return self.is_done


class BaseSensorOperator(BaseOperator):
    """Subclasses implement ``poke(context)``, returning a bool or a ``PokeReturnValue``.

    ``poke_interval`` and ``timeout`` are seconds or timedeltas. ``soft_fail`` turns a timeout
    (or an AirflowFailException) into a skip; ``never_fail`` turns any error into a skip;
    ``silent_fail`` logs an unexpected error of a poke and keeps waiting.
    ``exponential_backoff`` doubles the wait after each poke, up to ``max_wait``.
    """

    ui_color = "#e6f1f2"
    valid_modes: tuple[str, ...] = MODES

    def __init__(
        self,
        *,
        poke_interval: timedelta | float = 60,
        timeout: timedelta | float | None = None,
        soft_fail: bool = False,
        mode: str = "poke",
        exponential_backoff: bool = False,
        max_wait: timedelta | float | None = None,
        silent_fail: bool = False,
        never_fail: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.poke_interval = _seconds(poke_interval, "poke_interval", self.task_id)
        self.timeout = _seconds(DEFAULT_TIMEOUT if timeout is None else timeout, "timeout", self.task_id)
        self.max_wait = None if max_wait is None else timedelta(seconds=_seconds(max_wait, "max_wait", self.task_id))
        if mode not in self.valid_modes:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: mode must be one of {', '.join(self.valid_modes)}, got {mode!r}"
            )
        if soft_fail and never_fail:
            raise DagDefinitionError(f"Task {self.task_id!r}: soft_fail and never_fail cannot both be set")
        self.mode = mode
        self.soft_fail = soft_fail
        self.never_fail = never_fail
        self.silent_fail = silent_fail
        self.exponential_backoff = exponential_backoff

    @property
    def reschedule(self) -> bool:
        return self.mode == "reschedule"

    def poke(self, context: Mapping[str, Any]) -> bool | PokeReturnValue:
        raise NotImplementedError(f"{type(self).__name__} must implement poke(context)")

    def execute(self, context: Mapping[str, Any]) -> Any:
        try:
            return self._wait(context)
        except (AirflowSkipException, AirflowRescheduleException):
            raise
        except (AirflowSensorTimeout, AirflowTaskTimeout, AirflowFailException) as err:
            if self.soft_fail or self.never_fail:
                raise AirflowSkipException(f"{err} (skipped: {'soft_fail' if self.soft_fail else 'never_fail'})") from err
            raise
        except Exception as err:
            if self.never_fail:
                raise AirflowSkipException(f"{type(err).__name__}: {err} (skipped: never_fail)") from err
            raise

    def _wait(self, context: Mapping[str, Any]) -> Any:
        started_at, poke_number = self._first_poke(context)
        while True:
            done, value = self._poke_once(context)
            if done:
                self.log.info("The condition is met after %.1f s: done waiting", _since(started_at))
                return value
            waited = _since(started_at)
            if waited > self.timeout:
                raise AirflowSensorTimeout(
                    f"The sensor waited {waited:.3g} s, more than its timeout of {self.timeout:g} s"
                )
            interval = self.next_poke_interval(poke_number, waited)
            if self.reschedule:
                raise AirflowRescheduleException(_now() + timedelta(seconds=interval))
            self.log.info("Not yet; next poke in %g s", interval)
            time.sleep(interval)
            poke_number += 1

    def _poke_once(self, context: Mapping[str, Any]) -> tuple[bool, Any]:
        try:
            result = self.poke(context)
        except _DELIBERATE:
            raise
        except Exception:
            if not self.silent_fail:
                raise
            self.log.exception("The poke failed; silent_fail is set, so the sensor goes on waiting")
            return False, None
        if isinstance(result, PokeReturnValue):
            return result.is_done, result.xcom_value
        return bool(result), None

    def _first_poke(self, context: Mapping[str, Any]) -> tuple[datetime, int]:
        """When this wait began and the number of the poke about to run (1 for the first).

        In reschedule mode the wait began with the first poke of the first try since the task
        instance was last cleared (max_tries minus retries gives that try's number)."""
        now = _now()
        if not self.reschedule:
            return now, 1
        ti = context["ti"]
        first_try_number = max(ti.max_tries - self.retries + 1, 1)
        first_start, rescheduled = ti.reschedules(first_try_number)
        return (first_start or now), rescheduled + 1

    def next_poke_interval(self, poke_number: int, waited: float) -> float:
        """Seconds until the next poke: ``poke_interval``, or with exponential backoff twice the
        previous wait, up to ``max_wait``; never later than the timeout."""
        interval = self.poke_interval
        if self.exponential_backoff:
            interval = self.poke_interval * 2 ** min(poke_number - 1, 60)
            if self.max_wait is not None:
                interval = min(interval, self.max_wait.total_seconds())
        return max(min(interval, self.timeout - waited), 0.0)

    def use_reschedule_for_deferral(self, deferrable: bool) -> None:
        """``deferrable=True`` asks Airflow's triggerer to do the waiting; Slipstream has none, and
        waits in reschedule mode instead, which also frees the slot between checks."""
        self.deferrable = deferrable
        if deferrable:
            self.mode = "reschedule"


def _now() -> datetime:
    return datetime.now(UTC)


def _since(start: datetime) -> float:
    return (_now() - start).total_seconds()


def _seconds(value: Any, name: str, task_id: str) -> float:
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        raise DagDefinitionError(f"Task {task_id!r}: {name} must be seconds or a timedelta, got {value!r}")
    if seconds < 0:
        raise DagDefinitionError(f"Task {task_id!r}: {name} cannot be negative, got {value!r}")
    return seconds
