"""Slipstream: run Airflow DAG files, faster and with less to install.

``from slipstream import DAG, task, dag`` gives the authoring API (``slipstream.sdk``); the
names load on first use so that ``import slipstream`` stays cheap for the CLI.
"""

from __future__ import annotations

__version__ = "0.1.0"

_SDK_NAMES = {
    "DAG", "AirflowException", "AirflowFailException", "AirflowSkipException", "BaseOperator",
    "DagCycleError", "DuplicateTaskIdFound", "Param", "ParamsDict", "TaskGroup", "TriggerRule",
    "XComArg", "chain", "cross_downstream", "dag", "get_current_context", "task", "Variable", "Connection",
}
_SDK_NAMES |= {"Asset", "AssetAlias", "AssetAll", "AssetAny", "AssetOrTimeSchedule", "Metadata", "asset"}
_OPERATOR_NAMES = {
    "BashOperator": "slipstream.operators.bash",
    "PythonOperator": "slipstream.operators.python",
    "EmptyOperator": "slipstream.operators.empty",
    "DummyOperator": "slipstream.operators.empty",
}

__all__ = sorted(_SDK_NAMES | set(_OPERATOR_NAMES) | {"__version__"})


def __getattr__(name: str) -> object:  # no typing import: every command imports this module first
    import importlib

    if name in _SDK_NAMES:
        return getattr(importlib.import_module("slipstream.sdk"), name)
    if name in _OPERATOR_NAMES:
        return getattr(importlib.import_module(_OPERATOR_NAMES[name]), name)
    raise AttributeError(f"module 'slipstream' has no attribute {name!r}")
