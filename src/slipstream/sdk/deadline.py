"""Deadline alerts (Airflow 3's ``DeadlineAlert``): a time by which a DAG run should have finished,
and the callback to run when it has not.

A DAG takes ``deadline=`` (one alert or a list). Each alert is a *reference* (a point in time taken
from the run: when it was queued, its logical date, a fixed date, or now plus the DAG's average
runtime), an *interval* added to it, and a ``SyncCallback``/``AsyncCallback``. This module is the
authoring side only: the serialized DAG keeps the alerts as data (``serialize_deadline``); the
store computes each run's deadlines when the run is created, and the scheduler acts on them.

Custom references subclass ``BaseDeadlineReference``, implement ``_evaluate_with(*, session,
**kwargs)`` (the base time, or None for no deadline) and are registered with ``@deadline_reference``.
User code never runs in the scheduler, so Slipstream evaluates them in a process of its own that
loads the DAG file; ``session`` is None there (there is no Airflow ORM session), and the keyword
arguments named in the class's ``required_kwargs`` are given from the run (``dag_id``, ``run_id``,
``logical_date``, ``queued_at``, ``data_interval_start``, ``data_interval_end``, ``run_type``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from slipstream.sdk.callback import AsyncCallback, Callback, SyncCallback

log = logging.getLogger(__name__)

REFERENCE_TYPE_FIELD = "reference_type"
# When a reference is evaluated (the names of ``DeadlineReference.TYPES``' tuples).
DAGRUN_CREATED = "dagrun_created"
DAGRUN_QUEUED = "dagrun_queued"


class BaseDeadlineReference:
    """A point in time a deadline counts from. Subclass it for a custom reference (see the module)."""

    required_kwargs: ClassVar[set[str]] = set()

    @property
    def reference_name(self) -> str:
        return type(self).__name__

    def serialize_reference(self) -> dict[str, Any]:
        """The reference as data; override it when the reference has parameters."""
        return {REFERENCE_TYPE_FIELD: self.reference_name}

    @classmethod
    def deserialize_reference(cls, reference_data: dict[str, Any]) -> BaseDeadlineReference:
        return cls()

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, BaseDeadlineReference):
            return NotImplemented
        return self.serialize_reference() == other.serialize_reference()

    def __hash__(self) -> int:
        return hash(tuple(sorted((k, repr(v)) for k, v in self.serialize_reference().items())))


class DagRunLogicalDateDeadline(BaseDeadlineReference):
    """The run's logical date (a run without one, such as an asset-triggered run, gets no deadline)."""


class DagRunQueuedAtDeadline(BaseDeadlineReference):
    """When the run was queued."""


@dataclass(eq=False)
class FixedDatetimeDeadline(BaseDeadlineReference):
    """A fixed date and time, the same for every run."""

    _datetime: datetime

    def __post_init__(self) -> None:
        if not isinstance(self._datetime, datetime):
            raise TypeError(
                f"DeadlineReference.FIXED_DATETIME takes a datetime, got {type(self._datetime).__name__}"
            )

    def serialize_reference(self) -> dict[str, Any]:
        moment = self._datetime if self._datetime.tzinfo is not None else self._datetime.replace(tzinfo=UTC)
        return {REFERENCE_TYPE_FIELD: self.reference_name, "datetime": moment.timestamp()}

    @classmethod
    def deserialize_reference(cls, reference_data: dict[str, Any]) -> FixedDatetimeDeadline:
        return cls(datetime.fromtimestamp(reference_data["datetime"], tz=UTC))


@dataclass(eq=False)
class AverageRuntimeDeadline(BaseDeadlineReference):
    """Now (when the run is created) plus the average duration of the DAG's last ``max_runs``
    finished runs; no deadline while fewer than ``min_runs`` have finished."""

    DEFAULT_LIMIT: ClassVar[int] = 10
    max_runs: int
    min_runs: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.max_runs, int) or self.max_runs < 1:
            raise ValueError(f"DeadlineReference.AVERAGE_RUNTIME: max_runs must be at least 1, got {self.max_runs!r}")
        if self.min_runs is None:
            self.min_runs = self.max_runs
        if not isinstance(self.min_runs, int) or self.min_runs < 1:
            raise ValueError("min_runs must be at least 1")

    def serialize_reference(self) -> dict[str, Any]:
        return {REFERENCE_TYPE_FIELD: self.reference_name, "max_runs": self.max_runs, "min_runs": self.min_runs}

    @classmethod
    def deserialize_reference(cls, reference_data: dict[str, Any]) -> AverageRuntimeDeadline:
        max_runs = reference_data.get("max_runs", cls.DEFAULT_LIMIT)
        return cls(max_runs=max_runs, min_runs=reference_data.get("min_runs", max_runs))


DeadlineReferenceTypes = tuple[type[BaseDeadlineReference], ...]


class DeadlineReference:
    """The references a ``DeadlineAlert`` can count from.

    ``DAGRUN_QUEUED_AT`` and ``DAGRUN_LOGICAL_DATE`` are references; ``FIXED_DATETIME(dt)`` and
    ``AVERAGE_RUNTIME(max_runs, min_runs)`` make one. Custom references registered with
    ``@deadline_reference`` become attributes of this class too.
    """

    class TYPES:
        """When references are evaluated: when the run is created, or when it is queued."""

        DAGRUN_CREATED: DeadlineReferenceTypes = (
            DagRunLogicalDateDeadline, FixedDatetimeDeadline, AverageRuntimeDeadline,
        )
        DAGRUN_QUEUED: DeadlineReferenceTypes = (DagRunQueuedAtDeadline,)
        DAGRUN: DeadlineReferenceTypes = DAGRUN_CREATED + DAGRUN_QUEUED

    DAGRUN_LOGICAL_DATE: BaseDeadlineReference = DagRunLogicalDateDeadline()
    DAGRUN_QUEUED_AT: BaseDeadlineReference = DagRunQueuedAtDeadline()

    @classmethod
    def AVERAGE_RUNTIME(cls, max_runs: int = 0, min_runs: int | None = None) -> BaseDeadlineReference:  # noqa: N802
        max_runs = max_runs or AverageRuntimeDeadline.DEFAULT_LIMIT
        return AverageRuntimeDeadline(max_runs, max_runs if min_runs is None else min_runs)

    @classmethod
    def FIXED_DATETIME(cls, dt: datetime) -> BaseDeadlineReference:  # noqa: N802
        return FixedDatetimeDeadline(dt)

    @classmethod
    def register_custom_reference(
        cls, reference_class: type[BaseDeadlineReference], deadline_reference_type: DeadlineReferenceTypes | None = None,
    ) -> type[BaseDeadlineReference]:
        """Make ``reference_class`` available as ``DeadlineReference.<its name>``, evaluated when
        the run is created (default) or queued (``DeadlineReference.TYPES.DAGRUN_QUEUED``)."""
        if deadline_reference_type is None:
            deadline_reference_type = cls.TYPES.DAGRUN_CREATED
        if not (isinstance(reference_class, type) and issubclass(reference_class, BaseDeadlineReference)):
            raise ValueError(f"{getattr(reference_class, '__name__', reference_class)} must inherit from BaseDeadlineReference")
        if not callable(getattr(reference_class, "_evaluate_with", None)):
            raise TypeError(
                f"{reference_class.__name__} must define _evaluate_with(self, *, session, **kwargs) returning the "
                "datetime the deadline counts from (or None for no deadline)"
            )
        try:
            instance = reference_class()
        except TypeError as error:
            raise TypeError(
                f"{reference_class.__name__} must be constructible with no arguments to be registered as a deadline "
                f"reference; if it takes parameters, make it a @dataclass whose fields all have defaults ({error})"
            ) from error
        if deadline_reference_type is cls.TYPES.DAGRUN_CREATED:
            cls.TYPES.DAGRUN_CREATED = (*cls.TYPES.DAGRUN_CREATED, reference_class)
        elif deadline_reference_type is cls.TYPES.DAGRUN_QUEUED:
            cls.TYPES.DAGRUN_QUEUED = (*cls.TYPES.DAGRUN_QUEUED, reference_class)
        else:
            raise ValueError(
                f"Invalid deadline reference type {deadline_reference_type!r} for {reference_class.__name__}; give "
                "DeadlineReference.TYPES.DAGRUN_CREATED or DeadlineReference.TYPES.DAGRUN_QUEUED"
            )
        cls.TYPES.DAGRUN = cls.TYPES.DAGRUN_CREATED + cls.TYPES.DAGRUN_QUEUED
        setattr(cls, reference_class.__name__, instance)
        return reference_class


def deadline_reference(
    deadline_reference_type: DeadlineReferenceTypes | type[BaseDeadlineReference] | None = None,
) -> Any:
    """Register a custom deadline reference class; with or without parentheses."""
    if isinstance(deadline_reference_type, type):
        return DeadlineReference.register_custom_reference(deadline_reference_type)

    def decorator(reference_class: type[BaseDeadlineReference]) -> type[BaseDeadlineReference]:
        DeadlineReference.register_custom_reference(reference_class, deadline_reference_type)  # type: ignore[arg-type]
        return reference_class

    return decorator


@dataclass(frozen=True)
class VariableInterval:
    """An interval read from a Variable (a whole number of seconds) when each run is created."""

    key: str

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key:
            raise TypeError(f"VariableInterval takes the Variable's key, got {self.key!r}")

    def resolve(self) -> timedelta:
        """The interval the Variable gives now (deprecated in Airflow: it is resolved for each run)."""
        warnings.warn("VariableInterval.resolve() is deprecated: the interval is resolved for each run",
                      DeprecationWarning, stacklevel=2)
        from slipstream.sdk.variable import Variable

        return interval_seconds(self.key, Variable.get(self.key, default_var=None))


def interval_seconds(key: str, value: Any) -> timedelta:
    """A VariableInterval's value as a timedelta; a clear error when it is missing or not whole seconds."""
    if value is None:
        raise ValueError(f"VariableInterval '{key}' not found")
    try:
        return timedelta(seconds=int(value))
    except (TypeError, ValueError):
        raise ValueError(f"VariableInterval '{key}' must be an integer (seconds), got: {value!r}") from None


class DeadlineAlert:
    """A reference, an interval after it, and the callback to run when a run is not finished by then."""

    def __init__(
        self, reference: BaseDeadlineReference, interval: timedelta | VariableInterval, callback: Callback,
        name: str | None = None,
    ) -> None:
        if not isinstance(reference, BaseDeadlineReference):
            raise TypeError(
                f"DeadlineAlert: reference must be a DeadlineReference (e.g. DeadlineReference.DAGRUN_QUEUED_AT), "
                f"got {reference!r}"
            )
        if not isinstance(interval, (timedelta, VariableInterval)):
            raise TypeError(
                f"DeadlineAlert: interval must be a timedelta or a VariableInterval, got {type(interval).__name__}"
            )
        if not isinstance(callback, (AsyncCallback, SyncCallback)):
            raise ValueError(
                f"Callbacks of type {type(callback).__name__} are not currently supported; wrap the function in "
                "SyncCallback(...) or AsyncCallback(...)"
            )
        self.reference = reference
        self.interval = interval
        self.callback = callback
        self.name = name

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, DeadlineAlert):
            return NotImplemented
        return (
            isinstance(self.reference, type(other.reference))
            and self.interval == other.interval
            and self.callback == other.callback
        )

    def __hash__(self) -> int:
        return hash((type(self.reference).__name__, self.interval, self.callback))

    def __repr__(self) -> str:
        return f"DeadlineAlert({self.reference.reference_name} + {self.interval}, {self.callback!r})"


def _when_evaluated(reference: BaseDeadlineReference) -> str:
    return DAGRUN_QUEUED if isinstance(reference, DeadlineReference.TYPES.DAGRUN_QUEUED) else DAGRUN_CREATED


def _reference_json(reference: BaseDeadlineReference) -> dict[str, Any]:
    data = dict(reference.serialize_reference())
    data["evaluated"] = _when_evaluated(reference)
    if type(reference).__module__ != __name__:
        data["class_path"] = f"{type(reference).__module__}.{type(reference).__qualname__}"
    return data


def checked_deadline(dag_id: str, value: Any) -> list[DeadlineAlert]:
    """A DAG's ``deadline=`` as a list of alerts; a clear error for anything else."""
    if value is None:
        return []
    alerts = list(value) if isinstance(value, (list, tuple)) else [value]
    for alert in alerts:
        if not isinstance(alert, DeadlineAlert):
            raise TypeError(
                f"DAG {dag_id!r}: deadline must be a DeadlineAlert or a list of them, got {type(alert).__name__}"
            )
    return alerts


def serialize_deadline(dag_id: str, alerts: list[DeadlineAlert]) -> list[dict[str, Any]]:
    """The alerts as the serialized DAG keeps them (data only)."""
    return [
        {
            "name": alert.name,
            "reference": _reference_json(alert.reference),
            "interval": (
                alert.interval.total_seconds() if isinstance(alert.interval, timedelta)
                else {"variable": alert.interval.key}
            ),
            "callback": alert.callback.to_json(f"DAG {dag_id!r} deadline {alert.name or index}"),
        }
        for index, alert in enumerate(alerts)
    ]


BASE_TIME_ARGUMENTS: tuple[str, ...] = (
    "dag_id", "run_id", "logical_date", "queued_at", "data_interval_start", "data_interval_end", "run_type",
)


def evaluate_custom(reference: BaseDeadlineReference, run: dict[str, Any]) -> datetime | None:
    """The base time of a custom reference for ``run`` (its row's values), as Airflow calls it:
    only the keyword arguments the class asks for in ``required_kwargs``."""
    evaluate: Callable[..., datetime | None] = reference._evaluate_with  # type: ignore[attr-defined]
    required = set(getattr(reference, "required_kwargs", set()) or set())
    unknown = required - set(BASE_TIME_ARGUMENTS)
    if unknown:
        raise ValueError(
            f"{type(reference).__name__} requires {', '.join(sorted(unknown))}, which Slipstream cannot give; "
            f"it gives {', '.join(BASE_TIME_ARGUMENTS)}"
        )
    return evaluate(session=None, **{name: run.get(name) for name in required})
