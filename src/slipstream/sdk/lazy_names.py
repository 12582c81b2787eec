"""Names of ``airflow.sdk`` that ``slipstream.sdk`` loads on first use, and where each lives.

They are not imported with ``slipstream.sdk`` itself: some import the sdk back (hooks, sensors),
others are rarely used, and ``import slipstream.sdk`` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

# The Airflow version whose ``airflow.__version__`` DAG files and providers read, and the Task
# SDK version that ``airflow.sdk.__version__`` reads: the releases whose surface Slipstream follows.
AIRFLOW_VERSION = "3.3.2"
TASK_SDK_VERSION = "1.3.2"

# name -> module that defines it
LAZY_NAMES: dict[str, str] = {
    # Hooks, sensors and operators import the sdk back, so not at its import.
    "BaseHook": "slipstream.hooks.base",
    "BaseSensorOperator": "slipstream.sensors.base",
    "PokeReturnValue": "slipstream.sensors.base",
    "BaseBranchOperator": "slipstream.operators.branching",
    "BranchMixIn": "slipstream.operators.branching",
    "SkipMixin": "slipstream.operators.branching",
    "CronDataIntervalTimetable": "slipstream.timetables.interval",
    "DeltaDataIntervalTimetable": "slipstream.timetables.interval",
    "CronTriggerTimetable": "slipstream.timetables.trigger",
    "DeltaTriggerTimetable": "slipstream.timetables.trigger",
    "MultipleCronTriggerTimetable": "slipstream.timetables.trigger",
    "EventsTimetable": "slipstream.timetables.events",
    "CronPartitionTimetable": "slipstream.timetables.partitions",
    "PartitionedAssetTimetable": "slipstream.timetables.partitioned_assets",
    "PartitionedAtRuntime": "slipstream.timetables.partitions",
    "EdgeModifier": "slipstream.sdk.edges",
    "Label": "slipstream.sdk.edges",
    "chain_linear": "slipstream.sdk.dependencies",
    "literal": "slipstream.sdk.templating",
    "Context": "slipstream.sdk.context",
    "get_parsing_context": "slipstream.sdk.context",
    "TaskInstance": "slipstream.sdk.types",
    "TaskInstanceState": "slipstream.sdk.state",
    "DagRunState": "slipstream.sdk.state",
    "WeightRule": "slipstream.sdk.state",
    "BaseNotifier": "slipstream.sdk.notifier",
    "BaseOperatorLink": "slipstream.sdk.operator_link",
    "BaseXCom": "slipstream.sdk.xcom",
    "conf": "slipstream.sdk.configuration",
    "ObjectStoragePath": "slipstream.sdk.object_storage",
    "BaseAsyncOperator": "slipstream.sdk.async_operator",
    "result": "slipstream.sdk.dag_result",
    "ExceptionRetryPolicy": "slipstream.sdk.retry_policy",
    "RetryAction": "slipstream.sdk.retry_policy",
    "RetryDecision": "slipstream.sdk.retry_policy",
    "RetryPolicy": "slipstream.sdk.retry_policy",
    "RetryRule": "slipstream.sdk.retry_policy",
    "NEVER_EXPIRE": "slipstream.sdk.context",
    "AsyncCallback": "slipstream.sdk.callback",
    "SyncCallback": "slipstream.sdk.callback",
    "BaseDeadlineReference": "slipstream.sdk.deadline",
    "DeadlineAlert": "slipstream.sdk.deadline",
    "DeadlineReference": "slipstream.sdk.deadline",
    "deadline_reference": "slipstream.sdk.deadline",
    "ResumableJobMixin": "slipstream.sdk.resumable_job",
    **dict.fromkeys((
        "AllowedKeyMapper", "ChainMapper", "FanOutMapper", "FixedKeyMapper", "IdentityMapper", "ProductMapper",
        "PartitionMapper", "RollupMapper", "StartOfDayMapper", "StartOfHourMapper", "StartOfMonthMapper",
        "StartOfQuarterMapper", "StartOfWeekMapper", "StartOfYearMapper", "DayWindow", "HourWindow", "MonthWindow",
        "QuarterWindow", "SegmentWindow", "WeekWindow", "Window", "YearWindow", "MinimumCount", "WaitForAll",
    ), "slipstream.sdk.partitions"),
}


def lazy_name(name: str) -> Any:
    """The object ``slipstream.sdk.<name>`` stands for; AttributeError when there is none."""
    if name == "macros":
        return importlib.import_module("slipstream.sdk.macros")
    if name == "lineage":
        return importlib.import_module("slipstream.sdk.lineage")
    if name == "__version__":
        return TASK_SDK_VERSION
    if name in LAZY_NAMES:
        return getattr(importlib.import_module(LAZY_NAMES[name]), name)
    unsupported = importlib.import_module("slipstream.sdk.unsupported")
    if name in unsupported.STAND_IN_NAMES:
        return unsupported.stand_in(name)
    raise AttributeError(f"module 'slipstream.sdk' has no attribute {name!r}")
