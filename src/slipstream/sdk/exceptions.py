"""Exceptions a DAG file or a task may raise, named as Airflow names them."""

from __future__ import annotations

from datetime import datetime


class AirflowException(Exception):
    """Base of the errors a task raises on purpose."""


class AirflowSkipException(AirflowException):
    """Raised in a task to mark it skipped."""


class AirflowFailException(AirflowException):
    """Raised in a task to fail it without using the remaining retries."""


class AirflowTaskTimeout(AirflowException):
    """The task ran past its execution_timeout."""


class DagDefinitionError(AirflowException):
    """A DAG file builds something that is not a valid DAG."""


class DagCycleError(DagDefinitionError):
    """The dependencies of a DAG form a cycle."""


class DuplicateTaskIdFound(DagDefinitionError):
    """Two tasks of one DAG have the same task_id."""


class TaskNotFound(AirflowException):
    """A task id names no task of the DAG."""


class ParamValidationError(AirflowException):
    """A param value breaks the rule of its schema."""


AirflowDagCycleException = DagCycleError


class AirflowNotFoundException(AirflowException):
    """A connection (or another named object) that a task asks for does not exist."""


class AirflowSensorTimeout(AirflowException):
    """A sensor waited past its timeout; the try fails without using its retries."""


class AirflowRescheduleException(AirflowException):
    """A sensor in reschedule mode ends its try here and asks to be run again at ``reschedule_date``.

    The runner turns it into ``up_for_reschedule``; it is not an error and uses up no retry."""

    def __init__(self, reschedule_date: datetime) -> None:
        super().__init__(reschedule_date)
        self.reschedule_date = reschedule_date

    def __str__(self) -> str:
        return f"rescheduled for {self.reschedule_date}"


class AirflowConfigException(AirflowException):
    """A configuration option was asked for that is not set and has no fallback."""


class AirflowOptionalProviderFeatureException(AirflowException):
    """A provider feature needs an optional package that is not installed."""


class AirflowBadRequest(AirflowException):
    """A request was refused as malformed."""


class XComNotFound(AirflowException):
    """An XCom that a task needs was not pushed."""


class TaskDeferred(BaseException):
    """Raised by ``self.defer(...)``. Slipstream has no triggerer: a deferred task fails with this."""

    def __init__(self, *, trigger: object = None, method_name: str = "", kwargs: dict | None = None,
                 timeout: object = None) -> None:
        super().__init__(
            f"The task deferred to trigger {type(trigger).__name__}: deferring is an Airflow feature that "
            "Slipstream does not support (there is no triggerer); use the operator without deferrable=True"
        )
        self.trigger, self.method_name, self.kwargs, self.timeout = trigger, method_name, kwargs, timeout


class DownstreamTasksSkipped(AirflowException):
    """Raised to skip the given downstream tasks."""

    def __init__(self, *, tasks: object) -> None:
        super().__init__(f"Downstream tasks to skip: {tasks}")
        self.tasks = tasks


class RemovedInAirflow3Warning(DeprecationWarning):
    """A feature Airflow 3 removed."""


class AirflowProviderDeprecationWarning(DeprecationWarning):
    """A provider feature that is deprecated."""

    deprecated_provider_since: str | None = None
