"""The authoring API: what a DAG file touches. Imports nothing from the server side."""

from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.context import get_current_context
from slipstream.sdk.dag import DAG
from slipstream.sdk.decorators import dag, task
from slipstream.sdk.dependencies import chain, cross_downstream
from slipstream.sdk.exceptions import (
    AirflowException,
    AirflowFailException,
    AirflowSkipException,
    DagCycleError,
    DuplicateTaskIdFound,
)
from slipstream.sdk.param import Param, ParamsDict
from slipstream.sdk.task_group import TaskGroup
from slipstream.sdk.trigger_rule import TriggerRule
from slipstream.sdk.xcom_arg import XComArg

__all__ = [
    "DAG",
    "AirflowException",
    "AirflowFailException",
    "AirflowSkipException",
    "BaseOperator",
    "DagCycleError",
    "DuplicateTaskIdFound",
    "Param",
    "ParamsDict",
    "TaskGroup",
    "TriggerRule",
    "XComArg",
    "chain",
    "cross_downstream",
    "dag",
    "get_current_context",
    "task",
]
