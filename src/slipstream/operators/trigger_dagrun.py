"""``TriggerDagRunOperator``: start a run of another DAG, and optionally wait for it to end.

The run is created through the try's store (``context["ti"].trigger_dag_run``), by the same code
as ``slipstream dags trigger``: the triggered DAG's params are checked against ``conf`` and a
conf they reject fails this task with the same message. The run id goes to XCom as
``trigger_run_id`` (and its logical date as ``trigger_logical_date``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.exceptions import AirflowException, AirflowSkipException
from slipstream.sdk.state import DagRunState

XCOM_RUN_ID = "trigger_run_id"
XCOM_LOGICAL_DATE = "trigger_logical_date"


def _states(states: Iterable[str] | None, default: DagRunState, what: str) -> list[DagRunState]:
    if states is None:
        return [default]
    if isinstance(states, str):
        states = [states]
    try:
        return [DagRunState(str(s)) for s in states]
    except ValueError:
        raise ValueError(
            f"{what} must be DAG run states ({', '.join(s.value for s in DagRunState)}), got {list(states)!r}"
        ) from None


def _parse_logical_date(value: str | datetime | None) -> datetime | None:
    if value is None or isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            raise AirflowException(f"logical_date {value!r} is not an ISO date or date-time") from None
    else:
        raise TypeError(f"Expected str or datetime.datetime type for logical_date. Got {type(value).__name__}")
    if parsed is not None and parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


class TriggerDagRunOperator(BaseOperator):
    """Trigger ``trigger_dag_id`` with ``conf``; with ``wait_for_completion``, check its state every
    ``poke_interval`` seconds until it is in ``allowed_states`` (success) or ``failed_states`` (this
    task fails). An existing ``trigger_run_id`` is cleared with ``reset_dag_run``, skips this task
    with ``skip_when_already_exists``, and fails it otherwise."""

    template_fields: Sequence[str] = (
        "trigger_dag_id", "trigger_run_id", "logical_date", "conf", "wait_for_completion", "skip_when_already_exists",
    )
    template_fields_renderers = {"conf": "py"}
    ui_color = "#ffefeb"

    def __init__(
        self,
        *,
        trigger_dag_id: str,
        trigger_run_id: str | None = None,
        conf: dict[str, Any] | None = None,
        logical_date: str | datetime | None = None,
        reset_dag_run: bool = False,
        wait_for_completion: bool = False,
        poke_interval: float = 60,
        allowed_states: Iterable[str] | None = None,
        failed_states: Iterable[str] | None = None,
        skip_when_already_exists: bool = False,
        fail_when_dag_is_paused: bool = False,
        deferrable: bool = False,
        execution_date: str | datetime | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.trigger_dag_id = trigger_dag_id
        self.trigger_run_id = trigger_run_id
        self.conf = conf
        self.logical_date = logical_date if logical_date is not None else execution_date
        self.reset_dag_run = reset_dag_run
        self.wait_for_completion = wait_for_completion
        self.poke_interval = poke_interval
        self.allowed_states = _states(allowed_states, DagRunState.SUCCESS, "allowed_states")
        self.failed_states = _states(failed_states, DagRunState.FAILED, "failed_states")
        self.skip_when_already_exists = skip_when_already_exists
        self.fail_when_dag_is_paused = fail_when_dag_is_paused
        if deferrable:
            self.log.warning("Slipstream has no triggerer: %s waits for the triggered run in its task process", self.task_id)
        if self.logical_date is not None and not isinstance(self.logical_date, (str, datetime)):
            raise TypeError(
                f"Expected str or datetime.datetime type for logical_date. Got {type(self.logical_date).__name__}"
            )
        try:
            json.dumps(self.conf)
        except TypeError:
            raise ValueError(f"Task {self.task_id!r}: conf must be JSON serializable (a dict of JSON values)") from None

    def execute(self, context: Mapping[str, Any]) -> None:
        ti = context["ti"]
        if self.conf is not None and not isinstance(self.conf, Mapping):
            raise AirflowException(f"conf must be a dict, got {type(self.conf).__name__}: {self.conf!r}")
        triggered = ti.trigger_dag_run(
            self.trigger_dag_id, run_id=self.trigger_run_id or None, conf=dict(self.conf or {}),
            logical_date=_parse_logical_date(self.logical_date), reset_dag_run=self.reset_dag_run,
            fail_when_dag_is_paused=self.fail_when_dag_is_paused,
        )
        run_id = triggered["run_id"]
        if triggered["outcome"] == "exists":
            if self.skip_when_already_exists:
                raise AirflowSkipException(
                    f"DAG run {run_id!r} of DAG {self.trigger_dag_id!r} already exists: skipping (skip_when_already_exists)"
                )
            raise AirflowException(
                f"A run with run_id {run_id!r} already exists for DAG {self.trigger_dag_id!r}: set reset_dag_run=True "
                "to clear and run it again, or skip_when_already_exists=True to skip this task"
            )
        verb = "Cleared" if triggered["outcome"] == "cleared" else "Triggered"
        self.log.info("%s DAG %s, run %s", verb, self.trigger_dag_id, run_id)
        if triggered["is_paused"]:
            self.log.warning("DAG %s is paused: run %s stays queued until it is unpaused", self.trigger_dag_id, run_id)
        ti.xcom_push(key=XCOM_RUN_ID, value=run_id)
        logical_date = triggered["logical_date"]
        ti.xcom_push(key=XCOM_LOGICAL_DATE, value=logical_date.isoformat() if logical_date else None)
        if self.wait_for_completion:
            self._wait(ti, run_id)

    def _wait(self, ti: Any, run_id: str) -> None:
        allowed = ", ".join(self.allowed_states)
        while True:
            self.log.info("Waiting for DAG %s run %s to reach an allowed state (%s)", self.trigger_dag_id, run_id, allowed)
            time.sleep(self.poke_interval)
            state = ti.dag_run_state(self.trigger_dag_id, run_id)
            if state is None:
                raise AirflowException(f"DAG run {run_id!r} of DAG {self.trigger_dag_id!r} no longer exists")
            if state in self.failed_states:
                raise AirflowException(
                    f"DAG run {run_id!r} of DAG {self.trigger_dag_id!r} ended in state {state!r} "
                    f"(failed_states: {', '.join(self.failed_states)})"
                )
            if state in self.allowed_states:
                self.log.info("DAG %s run %s finished in allowed state %s", self.trigger_dag_id, run_id, state)
                return
