"""EmptyOperator: a task that does nothing; the scheduler finishes it without a process."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from slipstream.sdk.baseoperator import BaseOperator


class EmptyOperator(BaseOperator):
    ui_color = "#e8f7e4"

    def execute(self, context: Mapping[str, Any]) -> None:
        return None

    @property
    def runs_without_process(self) -> bool:
        # As Airflow: an empty task with assets in its inlets or outlets runs, so its events are recorded.
        return not (
            self.on_execute_callback or self.on_success_callback or self.on_failure_callback
            or self.inlets or self.outlets
        )


DummyOperator = EmptyOperator
