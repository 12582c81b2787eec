"""The one place an executor is built: ``[core] executor`` names it, as in Airflow.

``LocalExecutor`` and ``CeleryExecutor`` are Airflow's names (Airflow's module paths,
``airflow.executors.local_executor.LocalExecutor`` and
``airflow.providers.celery.executors.celery_executor.CeleryExecutor``, are read as the same);
anything else is the dotted path of a ``BaseExecutor`` subclass (``package.module.Class`` or
``package.module:Class``) whose ``__init__`` takes ``(settings, parallelism=None)``.
"""

from __future__ import annotations

import importlib

from slipstream.config import Settings
from slipstream.executors.base import BaseExecutor

BUILT_IN = {
    "LocalExecutor": "slipstream.executors.local:LocalExecutor",
    "CeleryExecutor": "slipstream.executors.celery.executor:CeleryExecutor",
}
NOT_YET = {
    "KubernetesExecutor": "a pod per task is designed for later (docs/design/kubernetes-executor.md)",
    "EdgeExecutor": "Airflow's edge workers are not part of Slipstream",
}
_AIRFLOW_PATHS = {
    "airflow.executors.local_executor.LocalExecutor": "LocalExecutor",
    "airflow.providers.celery.executors.celery_executor.CeleryExecutor": "CeleryExecutor",
}


class ExecutorConfigError(ValueError):
    """``[core] executor`` names nothing that can be loaded."""


def executor_class(name: str) -> type[BaseExecutor]:
    name = _AIRFLOW_PATHS.get(name.strip(), name.strip())
    if name in NOT_YET:
        raise ExecutorConfigError(f"[core] executor = {name!r}: not available yet: {NOT_YET[name]}; use {' or '.join(BUILT_IN)}")
    path = BUILT_IN.get(name, name)
    module_name, colon, attribute = path.partition(":")
    if not colon:
        module_name, _, attribute = path.rpartition(".")
    if not module_name or not attribute:
        raise ExecutorConfigError(
            f"[core] executor = {name!r}: expected {' or '.join(BUILT_IN)}, or the dotted path of an executor class"
        )
    try:
        module = importlib.import_module(module_name)
    except ImportError as err:
        hint = " (pip install 'slipstream[celery]')" if name == "CeleryExecutor" else ""
        raise ExecutorConfigError(f"[core] executor = {name!r}: cannot import {module_name}: {err}{hint}") from err
    found = getattr(module, attribute, None)
    if not (isinstance(found, type) and issubclass(found, BaseExecutor)):
        raise ExecutorConfigError(f"[core] executor = {name!r}: {path} is not a subclass of BaseExecutor")
    return found


def load_executor(settings: Settings, *, name: str | None = None, parallelism: int | None = None) -> BaseExecutor:
    """The executor ``name`` (by default ``[core] executor``), not started yet."""
    return executor_class(name or settings.executor)(settings, parallelism=parallelism)
