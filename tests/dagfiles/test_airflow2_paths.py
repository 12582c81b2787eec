"""Airflow 2 import paths (and Airflow 3 ones providers use) resolve to Slipstream's objects."""

from __future__ import annotations

import importlib
import typing
from datetime import datetime
from pathlib import Path

import pytest

import slipstream.operators.branching
import slipstream.operators.email
import slipstream.operators.latest_only
import slipstream.operators.python_virtualenv
import slipstream.operators.trigger_dagrun
import slipstream.sdk
import slipstream.sensors.external_task
from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.sdk import dependencies, edges, exceptions, state, types


def test_airflow2_operator_sensor_and_util_paths() -> None:
    with airflow_imports():
        from airflow.operators.branch import BranchPythonOperator
        from airflow.operators.email import EmailOperator
        from airflow.operators.latest_only import LatestOnlyOperator
        from airflow.operators.python import ExternalPythonOperator, PythonVirtualenvOperator, ShortCircuitOperator
        from airflow.operators.trigger_dagrun import TriggerDagRunOperator
        from airflow.sensors.external_task_sensor import ExternalTaskSensor
        from airflow.utils.edgemodifier import EdgeModifier, Label
        from airflow.utils.helpers import chain, cross_downstream
        from airflow.utils.state import DagRunState, State, TaskInstanceState
        from airflow.utils.weight_rule import WeightRule
    assert BranchPythonOperator is slipstream.operators.branching.BranchPythonOperator
    assert ShortCircuitOperator is slipstream.operators.branching.ShortCircuitOperator
    assert PythonVirtualenvOperator is slipstream.operators.python_virtualenv.PythonVirtualenvOperator
    assert ExternalPythonOperator is slipstream.operators.python_virtualenv.ExternalPythonOperator
    assert EmailOperator is slipstream.operators.email.EmailOperator
    assert LatestOnlyOperator is slipstream.operators.latest_only.LatestOnlyOperator
    assert TriggerDagRunOperator is slipstream.operators.trigger_dagrun.TriggerDagRunOperator
    assert ExternalTaskSensor is slipstream.sensors.external_task.ExternalTaskSensor
    assert Label is edges.Label and EdgeModifier is edges.EdgeModifier
    assert chain is dependencies.chain and cross_downstream is dependencies.cross_downstream
    assert TaskInstanceState is state.TaskInstanceState and DagRunState is state.DagRunState
    assert State.SUCCESS == "success" and WeightRule.UPSTREAM == "upstream"


def test_models_as_type_hints_and_isinstance() -> None:
    with airflow_imports():
        from airflow.models import DAG, BaseOperator, DagRun, Param, TaskInstance, Variable, XCom
        from airflow.models.dagrun import DagRun as DagRunFromModule
        from airflow.models.taskinstance import TaskInstance as TaskInstanceFromModule
        from airflow.models.xcom_arg import XComArg

        def callable_with_hints(ti: TaskInstance, dag_run: DagRun) -> None: ...

    assert TaskInstance is TaskInstanceFromModule is types.TaskInstance
    assert DagRun is DagRunFromModule is types.DagRun
    assert DAG is slipstream.sdk.DAG and BaseOperator is slipstream.sdk.BaseOperator
    assert Param is slipstream.sdk.Param and Variable is slipstream.sdk.Variable
    assert XComArg is slipstream.sdk.XComArg and hasattr(XCom, "get_one")
    hints = typing.get_type_hints(callable_with_hints, localns={"TaskInstance": TaskInstance, "DagRun": DagRun})
    assert hints["ti"] is TaskInstance and hints["dag_run"] is DagRun


def test_exceptions_from_both_airflow_spellings() -> None:
    with airflow_imports():
        from airflow.exceptions import AirflowProviderDeprecationWarning, AirflowSkipException
        from airflow.sdk.exceptions import AirflowFailException, AirflowRescheduleException, TaskDeferred
    assert AirflowSkipException is exceptions.AirflowSkipException
    assert AirflowFailException is exceptions.AirflowFailException
    assert AirflowRescheduleException is exceptions.AirflowRescheduleException
    assert issubclass(AirflowProviderDeprecationWarning, DeprecationWarning)
    assert "does not support" in str(TaskDeferred(trigger=object()))


def test_the_compat_layer_providers_import() -> None:
    with airflow_imports():
        from airflow.providers.common.compat.sdk import (
            AirflowException,
            BaseHook,
            BaseOperator,
            BaseSensorOperator,
            Context,
            PokeReturnValue,
            conf,
            get_current_context,
        )
        from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_0_PLUS, AIRFLOW_V_3_4_PLUS
        from airflow.utils.helpers import merge_dicts
        from airflow.utils.log.logging_mixin import LoggingMixin
        from airflow.utils.module_loading import import_string
        from airflow.utils.strings import to_boolean
        from airflow.utils.types import NOTSET, ArgNotSet, DagRunType
        airflow = importlib.import_module("airflow")
        version = airflow.__version__
    assert BaseOperator is slipstream.sdk.BaseOperator and AirflowException is exceptions.AirflowException
    assert BaseHook.__module__ == "slipstream.hooks.base" and BaseSensorOperator.__module__ == "slipstream.sensors.base"
    assert PokeReturnValue(True) and get_current_context is slipstream.sdk.get_current_context
    assert conf.get("core", "load_examples") in ("True", "False") and Context.__name__ == "Context"
    assert AIRFLOW_V_3_0_PLUS and not AIRFLOW_V_3_4_PLUS and version == "3.3.2"
    assert merge_dicts({"a": {"b": 1}}, {"a": {"c": 2}}) == {"a": {"b": 1, "c": 2}}
    assert to_boolean("True") and not to_boolean("no")
    assert import_string("datetime.datetime") is datetime
    assert LoggingMixin().log.name.endswith("LoggingMixin")
    assert isinstance(NOTSET, ArgNotSet) and ArgNotSet() is NOTSET and not NOTSET and repr(NOTSET) == "NOTSET"
    assert DagRunType.MANUAL == "manual"


def test_older_idioms_of_airflow_2_files() -> None:
    from slipstream.operators.empty import EmptyOperator
    from slipstream.sdk import DAG
    from slipstream.sdk.context import get_parsing_context as sdk_get_parsing_context
    from slipstream.sdk.unsupported import UnsupportedFeatureError

    with airflow_imports():
        from airflow.models.baseoperator import BaseOperator, chain_linear
        from airflow.operators.subdag import SubDagOperator
        from airflow.utils.dag_parsing_context import get_parsing_context
        from airflow.utils.decorators import apply_defaults

    class Custom(BaseOperator):
        @apply_defaults
        def __init__(self, *, greeting: str, **kwargs: object) -> None:
            super().__init__(**kwargs)
            self.greeting = greeting

    with DAG("old_style", default_args={"retries": 2}) as dag:
        first = Custom(task_id="first", greeting="hello")
        chain_linear(first, [EmptyOperator(task_id="a"), EmptyOperator(task_id="b")])
    assert first.retries == 2 and first.downstream_task_ids == {"a", "b"} and dag.has_task("b")
    assert get_parsing_context is sdk_get_parsing_context
    with pytest.raises(UnsupportedFeatureError, match=r"SubDAGs \(removed in Airflow 3\).*TaskGroup"):
        SubDagOperator(task_id="sub")


def test_airflow_settings_paths_and_no_database_session(home: Path) -> None:
    from slipstream.sdk.unsupported import UnsupportedFeatureError

    with airflow_imports():
        from airflow import settings

        dags_folder, airflow_home = settings.DAGS_FOLDER, settings.AIRFLOW_HOME
        session_class = settings.Session
    assert dags_folder == str(home / "dags") and airflow_home == str(home)
    with pytest.raises(UnsupportedFeatureError, match="metadata database.*Variable, Connection"):
        session_class()
