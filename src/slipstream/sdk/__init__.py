"""The authoring API: what a DAG file touches. Imports nothing from the server side."""

from slipstream.sdk.asset_decorator import asset
from slipstream.sdk.asset_schedule import AssetOrTimeSchedule
from slipstream.sdk.assets import (
    Asset,
    AssetAccessControl,
    AssetAlias,
    AssetAll,
    AssetAny,
    AssetWatcher,
    Metadata,
)
from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.connection import Connection
from slipstream.sdk.context import get_current_context
from slipstream.sdk.dag import DAG
from slipstream.sdk.decorators import dag, task
from slipstream.sdk.dependencies import chain, cross_downstream
from slipstream.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowNotFoundException,
    AirflowSkipException,
    DagCycleError,
    DuplicateTaskIdFound,
)
from slipstream.sdk.param import Param, ParamsDict
from slipstream.sdk.setup_teardown import setup, teardown
from slipstream.sdk.task_group import TaskGroup
from slipstream.sdk.task_group_decorator import task_group
from slipstream.sdk.trigger_rule import TriggerRule
from slipstream.sdk.variable import Variable
from slipstream.sdk.xcom_arg import XComArg

__all__ = [
    "DAG",
    "Asset",
    "AssetAlias",
    "AssetAll",
    "AssetAny",
    "AssetOrTimeSchedule",
    "AssetAccessControl",
    "AssetWatcher",
    "PartitionedAssetTimetable",
    "Metadata",
    "asset",
    "AirflowException",
    "AirflowFailException",
    "AirflowNotFoundException",
    "AirflowSkipException",
    "BaseOperator",
    "Connection",
    "DagCycleError",
    "DuplicateTaskIdFound",
    "Param",
    "ParamsDict",
    "TaskGroup",
    "TriggerRule",
    "Variable",
    "XComArg",
    "chain",
    "cross_downstream",
    "dag",
    "get_current_context",
    "setup",
    "task",
    "task_group",
    "teardown",
]


def __getattr__(name: str) -> object:
    # The rest of Airflow's ``airflow.sdk`` names, loaded on first use (sdk/lazy_names.py).
    from slipstream.sdk.lazy_names import lazy_name

    return lazy_name(name)
