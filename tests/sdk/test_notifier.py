"""BaseNotifier as a callback: template fields rendered with the context, then notify(context)."""

from __future__ import annotations

from typing import Any

import pytest

from slipstream.sdk import DAG
from slipstream.sdk.notifier import BaseNotifier


class Collect(BaseNotifier):
    template_fields = ("subject", "lines")

    def __init__(self, subject: str, lines: list[str]) -> None:
        super().__init__()
        self.subject, self.lines = subject, lines
        self.sent: list[tuple[str, list[str]]] = []

    def notify(self, context: Any) -> None:
        self.sent.append((self.subject, self.lines))


def test_called_with_the_context_it_renders_and_notifies() -> None:
    dag = DAG("notified", user_defined_macros={"team": "data"})
    notifier = Collect("{{ dag.dag_id }} failed in {{ run_id }}", ["owner: {{ team }}", "plain"])
    notifier({"dag": dag, "run_id": "manual__1"})
    assert notifier.sent == [("notified failed in manual__1", ["owner: data", "plain"])]


def test_a_notifier_without_notify_says_so() -> None:
    with pytest.raises(NotImplementedError, match="Bare must implement notify"):
        type("Bare", (BaseNotifier,), {})()({"dag": None})


def test_it_must_be_called_with_the_context() -> None:
    with pytest.raises(TypeError, match="context as its only argument"):
        Collect("s", [])("not a context")
