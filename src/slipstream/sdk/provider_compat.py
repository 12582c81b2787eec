"""``airflow.providers.common.compat.sdk``: the names Airflow's provider packages import.

Real provider distributions (``pip install --no-deps apache-airflow-providers-...``) reach the
Airflow surface through this module; it hands them Slipstream's own objects, so a provider's
operators and hooks run on Slipstream. Names of ``airflow.sdk`` come from ``slipstream.sdk``;
the table below adds the rest a provider asks for.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from typing import Any, NamedTuple

from slipstream.sdk.secrets_masker import mask_secret, redact  # noqa: F401 - names providers import

XCOM_RETURN_KEY = "return_value"


class TaskInstanceKey(NamedTuple):
    """Which task instance: as Airflow names it (``ti_key`` of ``BaseOperatorLink.get_link``)."""

    dag_id: str
    task_id: str
    run_id: str
    try_number: int = 1
    map_index: int = -1




@contextlib.contextmanager
def timeout(seconds: float | timedelta = 1, error_message: str = "Timeout") -> Iterator[None]:
    """Raise AirflowTaskTimeout in the block after ``seconds`` (main thread only, SIGALRM)."""
    from slipstream.sdk.exceptions import AirflowTaskTimeout

    limit = seconds.total_seconds() if isinstance(seconds, timedelta) else float(seconds)

    def expired(signum: int, frame: Any) -> None:
        raise AirflowTaskTimeout(f"{error_message}, PID: {os.getpid()}")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, limit)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class _NoStats:
    """Metrics calls providers make; Slipstream sends no metrics."""

    def __getattr__(self, name: str) -> Any:
        return lambda *args, **kwargs: contextlib.nullcontext()


Stats = _NoStats()

# name -> (module, attribute) for what is not a name of slipstream.sdk
_ELSEWHERE: dict[str, tuple[str, str]] = {
    "XCom": ("slipstream.sdk.xcom", "BaseXCom"),
    "DagRun": ("slipstream.sdk.types", "DagRun"),
    "HookLineageCollector": ("slipstream.sdk.lineage", "HookLineageCollector"),
    "HookLineage": ("slipstream.sdk.lineage", "HookLineage"),
    "NoOpCollector": ("slipstream.sdk.lineage", "NoOpCollector"),
    "get_hook_lineage_collector": ("slipstream.sdk.lineage", "get_hook_lineage_collector"),
    "import_string": ("slipstream.sdk.module_loading", "import_string"),
    "hookimpl": ("slipstream.sdk.listeners", "hookimpl"),
}
_EXCEPTIONS = (
    "AirflowException", "AirflowFailException", "AirflowNotFoundException", "AirflowOptionalProviderFeatureException",
    "AirflowSkipException", "AirflowTaskTimeout", "AirflowSensorTimeout", "ParamValidationError", "TaskDeferred",
    "XComNotFound", "AirflowConfigException", "DownstreamTasksSkipped", "AirflowRescheduleException",
)


def __getattr__(name: str) -> Any:
    if name in _EXCEPTIONS:
        return getattr(importlib.import_module("slipstream.sdk.exceptions"), name)
    if name == "timezone":  # Airflow's timezone helpers, a module
        return importlib.import_module("slipstream.sdk.timezone")
    if name in _ELSEWHERE:
        module, attribute = _ELSEWHERE[name]
        return getattr(importlib.import_module(module), attribute)
    import slipstream.sdk

    try:
        return getattr(slipstream.sdk, name)
    except AttributeError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None


def _version_at_least(major: int, minor: int) -> bool:
    from slipstream.sdk.lazy_names import AIRFLOW_VERSION

    return tuple(int(part) for part in AIRFLOW_VERSION.split(".")[:2]) >= (major, minor)


# ``airflow.providers.common.compat.version_compat``: what providers test before using a feature.
AIRFLOW_V_3_0_PLUS = _version_at_least(3, 0)
AIRFLOW_V_3_1_PLUS = _version_at_least(3, 1)
AIRFLOW_V_3_2_PLUS = _version_at_least(3, 2)
AIRFLOW_V_3_3_PLUS = _version_at_least(3, 3)
AIRFLOW_V_3_4_PLUS = _version_at_least(3, 4)
