"""Deadline alerts as a DAG file writes them (airflow.sdk names), and their serialized form."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.dagfiles.serialization import SerializedDag, serialize_dag
from slipstream.sdk import DAG
from slipstream.sdk.callback import AsyncCallback, SyncCallback
from slipstream.sdk.deadline import (
    AverageRuntimeDeadline,
    BaseDeadlineReference,
    DagRunLogicalDateDeadline,
    DagRunQueuedAtDeadline,
    DeadlineAlert,
    DeadlineReference,
    FixedDatetimeDeadline,
    VariableInterval,
    deadline_reference,
    evaluate_custom,
)


def notify(message: str, context: dict | None = None) -> None:
    return None


async def notify_async(context: dict) -> None:
    return None


def test_the_airflow_names_are_these_classes() -> None:
    with airflow_imports():
        from airflow.sdk import AsyncCallback as A
        from airflow.sdk import BaseDeadlineReference as B
        from airflow.sdk import DeadlineAlert as D
        from airflow.sdk import DeadlineReference as R
        from airflow.sdk import SyncCallback as S
        from airflow.sdk import deadline_reference as d
        from airflow.sdk.definitions.deadline import DeadlineAlert as D2
    assert (A, B, D, R, S, d, D2) == (AsyncCallback, BaseDeadlineReference, DeadlineAlert, DeadlineReference,
                                      SyncCallback, deadline_reference, DeadlineAlert)


def test_the_built_in_references_and_when_they_are_evaluated() -> None:
    assert isinstance(DeadlineReference.DAGRUN_LOGICAL_DATE, DagRunLogicalDateDeadline)
    assert isinstance(DeadlineReference.DAGRUN_QUEUED_AT, DagRunQueuedAtDeadline)
    assert DagRunQueuedAtDeadline in DeadlineReference.TYPES.DAGRUN_QUEUED
    assert DagRunLogicalDateDeadline in DeadlineReference.TYPES.DAGRUN_CREATED
    moment = datetime(2025, 5, 4, 12, tzinfo=UTC)
    fixed = DeadlineReference.FIXED_DATETIME(moment)
    assert fixed.serialize_reference() == {"reference_type": "FixedDatetimeDeadline", "datetime": moment.timestamp()}
    assert FixedDatetimeDeadline.deserialize_reference(fixed.serialize_reference()) == fixed
    average = DeadlineReference.AVERAGE_RUNTIME()
    assert (average.max_runs, average.min_runs) == (10, 10)
    assert DeadlineReference.AVERAGE_RUNTIME(5, 2).serialize_reference() == {
        "reference_type": "AverageRuntimeDeadline", "max_runs": 5, "min_runs": 2,
    }
    with pytest.raises(ValueError, match="min_runs must be at least 1"):
        AverageRuntimeDeadline(max_runs=3, min_runs=0)
    with pytest.raises(TypeError, match="FIXED_DATETIME takes a datetime"):
        DeadlineReference.FIXED_DATETIME("2025-05-04")


def test_an_alert_checks_what_it_is_given() -> None:
    alert = DeadlineAlert(DeadlineReference.DAGRUN_QUEUED_AT, timedelta(hours=1), SyncCallback(notify))
    assert alert == DeadlineAlert(DeadlineReference.DAGRUN_QUEUED_AT, timedelta(hours=1), SyncCallback(notify))
    assert alert != DeadlineAlert(DeadlineReference.DAGRUN_LOGICAL_DATE, timedelta(hours=1), SyncCallback(notify))
    with pytest.raises(ValueError, match="Callbacks of type function are not currently supported"):
        DeadlineAlert(DeadlineReference.DAGRUN_QUEUED_AT, timedelta(hours=1), notify)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="interval must be a timedelta"):
        DeadlineAlert(DeadlineReference.DAGRUN_QUEUED_AT, 3600, SyncCallback(notify))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="reference must be a DeadlineReference"):
        DeadlineAlert("queued", timedelta(hours=1), SyncCallback(notify))  # type: ignore[arg-type]


def test_a_custom_reference_is_registered_with_or_without_parentheses() -> None:
    @deadline_reference
    class TopOfTheHour(BaseDeadlineReference):
        required_kwargs = {"logical_date"}

        def _evaluate_with(self, *, session: object, **kwargs: datetime) -> datetime:
            return kwargs["logical_date"].replace(minute=0)

    @deadline_reference(DeadlineReference.TYPES.DAGRUN_QUEUED)
    @dataclass
    class QueuedPlus(BaseDeadlineReference):
        minutes: int = 5

        def _evaluate_with(self, *, session: object, **kwargs: object) -> None:
            return None

    assert isinstance(DeadlineReference.TopOfTheHour, TopOfTheHour)  # type: ignore[attr-defined]
    assert TopOfTheHour in DeadlineReference.TYPES.DAGRUN_CREATED
    assert QueuedPlus in DeadlineReference.TYPES.DAGRUN_QUEUED and QueuedPlus in DeadlineReference.TYPES.DAGRUN
    run = {"dag_id": "d", "run_id": "r", "logical_date": datetime(2025, 1, 1, 9, 41, tzinfo=UTC)}
    assert evaluate_custom(TopOfTheHour(), run) == datetime(2025, 1, 1, 9, 0, tzinfo=UTC)


def test_a_custom_reference_that_cannot_be_registered_says_why() -> None:
    class NoEvaluation(BaseDeadlineReference):
        pass

    class NeedsArgument(BaseDeadlineReference):
        def __init__(self, hours: int) -> None:
            self.hours = hours

        def _evaluate_with(self, *, session: object, **kwargs: object) -> None:
            return None

    class NotAReference:
        pass

    with pytest.raises(TypeError, match="must define _evaluate_with"):
        deadline_reference(NoEvaluation)
    with pytest.raises(TypeError, match="constructible with no arguments"):
        deadline_reference(NeedsArgument)
    with pytest.raises(ValueError, match="must inherit from BaseDeadlineReference"):
        deadline_reference(NotAReference)  # type: ignore[arg-type]
    class Fine(BaseDeadlineReference):
        def _evaluate_with(self, *, session: object, **kwargs: object) -> None:
            return None

    with pytest.raises(ValueError, match="Invalid deadline reference type"):
        deadline_reference((DagRunQueuedAtDeadline,))(Fine)  # type: ignore[arg-type]
    assert not hasattr(DeadlineReference, "Fine")

    class AsksForSession(BaseDeadlineReference):
        required_kwargs = {"session_id"}

        def _evaluate_with(self, *, session: object, **kwargs: object) -> None:
            return None

    with pytest.raises(ValueError, match="requires session_id, which Slipstream cannot give"):
        evaluate_custom(AsksForSession(), {"dag_id": "d"})


def test_a_dag_keeps_its_alerts_in_the_serialized_dag() -> None:
    moment = datetime(2030, 1, 1, tzinfo=UTC)
    alerts = [
        DeadlineAlert(DeadlineReference.DAGRUN_QUEUED_AT, timedelta(minutes=30),
                      SyncCallback(notify, kwargs={"message": "late"}), name="half an hour"),
        DeadlineAlert(DeadlineReference.FIXED_DATETIME(moment), timedelta(0), AsyncCallback(notify_async)),
    ]
    with DAG("with_deadlines", schedule=None, deadline=alerts) as dag:
        pass
    data = serialize_dag(dag)
    assert data["deadline"] == [
        {
            "name": "half an hour",
            "reference": {"reference_type": "DagRunQueuedAtDeadline", "evaluated": "dagrun_queued"},
            "interval": 1800.0,
            "callback": {"kind": "sync", "path": f"{__name__}.notify", "kwargs": {"message": "late"}, "executor": None},
        },
        {
            "name": None,
            "reference": {"reference_type": "FixedDatetimeDeadline", "datetime": moment.timestamp(),
                          "evaluated": "dagrun_created"},
            "interval": 0.0,
            "callback": {"kind": "async", "path": f"{__name__}.notify_async", "kwargs": {}},
        },
    ]
    assert SerializedDag(data).deadline_alerts == data["deadline"]
    with DAG("one_alert", schedule=None, deadline=alerts[0]) as single:
        pass
    assert len(serialize_dag(single)["deadline"]) == 1
    with DAG("no_alert", schedule=None) as plain:
        pass
    assert "deadline" not in serialize_dag(plain) and SerializedDag(serialize_dag(plain)).deadline_alerts == []


def test_a_dag_refuses_a_deadline_that_is_not_an_alert() -> None:
    with pytest.raises(TypeError, match="DAG 'bad': deadline must be a DeadlineAlert or a list of them, got timedelta"):
        DAG("bad", schedule=None, deadline=timedelta(hours=1))


def test_callback_kwargs_must_be_json_to_be_kept() -> None:
    alert = DeadlineAlert(DeadlineReference.DAGRUN_QUEUED_AT, timedelta(minutes=1),
                          SyncCallback(notify, kwargs={"message": object()}))
    with DAG("unkeepable", schedule=None, deadline=alert) as dag:
        pass
    with pytest.raises(TypeError, match="DAG 'unkeepable' deadline 0: the kwargs of SyncCallback.* must be JSON values"):
        serialize_dag(dag)


def test_a_variable_interval_is_kept_by_its_key(monkeypatch: pytest.MonkeyPatch) -> None:
    alert = DeadlineAlert(DeadlineReference.DAGRUN_QUEUED_AT, VariableInterval("sla_seconds"), SyncCallback(notify))
    with DAG("variable_interval", schedule=None, deadline=alert) as dag:
        pass
    assert serialize_dag(dag)["deadline"][0]["interval"] == {"variable": "sla_seconds"}
    monkeypatch.setenv("AIRFLOW_VAR_SLA_SECONDS", "120")
    with pytest.warns(DeprecationWarning):
        assert VariableInterval("sla_seconds").resolve() == timedelta(minutes=2)
    monkeypatch.setenv("AIRFLOW_VAR_SLA_SECONDS", "two minutes")
    with pytest.raises(ValueError, match="must be an integer \\(seconds\\), got: 'two minutes'"), \
            pytest.warns(DeprecationWarning):
        VariableInterval("sla_seconds").resolve()
    with pytest.raises(TypeError, match="VariableInterval takes the Variable's key"):
        VariableInterval("")


@pytest.mark.parametrize("name", [
    "DeadlineAlert", "DeadlineReference", "BaseDeadlineReference", "deadline_reference", "AsyncCallback",
    "SyncCallback", "NEVER_EXPIRE", "ResumableJobMixin",
])
def test_these_airflow_sdk_names_work_and_are_not_stand_ins(name: str) -> None:
    from slipstream.sdk.unsupported import STAND_IN_NAMES, is_stand_in

    with airflow_imports():
        namespace: dict[str, object] = {}
        exec(f"from airflow.sdk import {name}", namespace)  # noqa: S102 - the statement a DAG file runs
    assert not is_stand_in(namespace[name]) and name not in STAND_IN_NAMES
