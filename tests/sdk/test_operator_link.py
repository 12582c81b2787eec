"""BaseOperatorLink: an operator class declares links; a link gives its address for a task instance."""

from __future__ import annotations

import pytest

from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG
from slipstream.sdk.operator_link import BaseOperatorLink
from slipstream.sdk.provider_compat import TaskInstanceKey


class RunPage(BaseOperatorLink):
    name = "Run page"

    def get_link(self, operator, *, ti_key):  # type: ignore[no-untyped-def]
        return f"https://example.invalid/{ti_key.dag_id}/{ti_key.run_id}/{operator.task_id}"


class Linked(EmptyOperator):
    operator_extra_links = (RunPage(),)


def test_an_operator_with_links_builds_and_its_link_answers() -> None:
    with DAG("links"):
        task = Linked(task_id="linked")
    link = task.operator_extra_links[0]
    key = TaskInstanceKey("links", "linked", "manual__1")
    assert link.get_link(task, ti_key=key) == "https://example.invalid/links/manual__1/linked"
    assert link.name == "Run page" and link.xcom_key == "_link_RunPage"


def test_a_link_without_get_link_cannot_be_made() -> None:
    class Half(BaseOperatorLink):
        name = "half"

    with pytest.raises(TypeError, match="abstract"):
        Half()  # type: ignore[abstract]
