"""``airflow.models`` as Airflow 2 DAG files import from it: the sdk's names, plus ``TaskInstance``,
``DagRun`` and ``XCom`` as types (a DAG file uses them in annotations and ``isinstance``)."""

from __future__ import annotations

from typing import Any

from slipstream.sdk.operator_link import BaseOperatorLink
from slipstream.sdk.types import DagRun, TaskInstance
from slipstream.sdk.xcom import BaseXCom as XCom

__all__ = ["BaseOperatorLink", "DagRun", "TaskInstance", "XCom"]


def __getattr__(name: str) -> Any:
    import slipstream.sdk

    return getattr(slipstream.sdk, name)
