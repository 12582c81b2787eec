"""Query parameters every ``/api/v2`` listing shares (``limit``, ``offset``, ``order_by``, dates
read as UTC and their ranges) and the bulk bodies of ``PATCH /pools|/variables|/connections``,
shaped as Airflow's."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from slipstream.api.errors import status_of
from slipstream.services import bulk
from slipstream.services.errors import InvalidRequest
from slipstream.store.patterns import Range

# Row ids are 64-bit signed integers in the store: a larger number cannot name anything.
MAX_ROW_ID = 2**63 - 1
MAX_INT = 2**31 - 1  # a 32-bit column (slots, port)
PathId = Annotated[int, Path(ge=0, le=MAX_ROW_ID)]
Limit = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="How many items at most.")]
Offset = Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="How many items to skip.")]


def order_by_query(allowed: list[str]) -> Any:
    """An ``order_by`` parameter: a list of fields, ``-`` before one for descending."""
    return Query(
        description=f"Fields to order by, several allowed; prefix with `-` for descending. Allowed: "
        f"`{', '.join(allowed)}`",
    )


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DateRangeFilters(StrictBody):
    """The bounds a batch listing body takes on a run's dates and an item's duration, as Airflow's
    ``*_gte|gt|lte|lt`` fields."""

    run_after_gte: datetime | None = None
    run_after_gt: datetime | None = None
    run_after_lte: datetime | None = None
    run_after_lt: datetime | None = None
    logical_date_gte: datetime | None = None
    logical_date_gt: datetime | None = None
    logical_date_lte: datetime | None = None
    logical_date_lt: datetime | None = None
    start_date_gte: datetime | None = None
    start_date_gt: datetime | None = None
    start_date_lte: datetime | None = None
    start_date_lt: datetime | None = None
    end_date_gte: datetime | None = None
    end_date_gt: datetime | None = None
    end_date_lte: datetime | None = None
    end_date_lt: datetime | None = None
    duration_gte: float | None = None
    duration_gt: float | None = None
    duration_lte: float | None = None
    duration_lt: float | None = None


NO_TEAMS = "Slipstream has no multi-team mode: leave team_name out (or null)"


def no_team(value: str | None) -> str | None:
    """A body validator of ``team_name``: only null is accepted."""
    if value is not None:
        raise ValueError(NO_TEAMS)
    return value


class BulkActionOnExistence(enum.Enum):
    fail = "fail"
    skip = "skip"
    overwrite = "overwrite"


class BulkActionNotOnExistence(enum.Enum):
    fail = "fail"
    skip = "skip"


T = TypeVar("T")


class BulkCreateAction(StrictBody, Generic[T]):
    action: Literal["create"]
    entities: list[T]
    action_on_existence: BulkActionOnExistence = BulkActionOnExistence.fail


class BulkUpdateAction(StrictBody, Generic[T]):
    action: Literal["update"]
    entities: list[T]
    update_mask: list[str] | None = None
    action_on_non_existence: BulkActionNotOnExistence = BulkActionNotOnExistence.fail


class BulkDeleteAction(StrictBody, Generic[T]):
    action: Literal["delete"]
    entities: list[str | T]
    action_on_non_existence: BulkActionNotOnExistence = BulkActionNotOnExistence.fail


def _which(action: Any) -> str:
    return action["action"] if isinstance(action, dict) else action.action


class BulkBody(StrictBody, Generic[T]):
    actions: list[
        Annotated[
            Annotated[BulkCreateAction[T], Tag("create")]
            | Annotated[BulkUpdateAction[T], Tag("update")]
            | Annotated[BulkDeleteAction[T], Tag("delete")],
            Discriminator(_which),
        ]
    ]


class BulkActionResponse(BaseModel):
    success: list[str] = Field(default_factory=list, description="Keys the action changed.")
    errors: list[dict[str, Any]] = Field(default_factory=list, description="Why an action failed: error, status_code.")


class BulkResponse(BaseModel):
    create: BulkActionResponse | None = None
    update: BulkActionResponse | None = None
    delete: BulkActionResponse | None = None


def bulk_actions(body: BulkBody[Any], key: str, rename: dict[str, str] | None = None) -> list[bulk.BulkAction]:
    """The service's actions from a bulk body: entities become dicts of the fields the client set
    (``rename`` maps the body's field names to the service's), delete entities their keys."""
    rename = rename or {}

    def fields(entity: BaseModel) -> dict[str, Any]:
        return {rename.get(k, k): v for k, v in entity.model_dump(exclude_unset=True).items()}

    actions = []
    for action in body.actions:
        if isinstance(action, BulkDeleteAction):
            keys = [e if isinstance(e, str) else getattr(e, key) for e in action.entities]
            actions.append(bulk.BulkAction("delete", keys, on_missing=action.action_on_non_existence.value))
        elif isinstance(action, BulkUpdateAction):
            mask = [rename.get(m, m) for m in action.update_mask] if action.update_mask else None
            actions.append(bulk.BulkAction("update", [fields(e) for e in action.entities], update_mask=mask,
                                           on_missing=action.action_on_non_existence.value))
        else:
            actions.append(bulk.BulkAction("create", [fields(e) for e in action.entities],
                                           on_existence=action.action_on_existence.value))
    return actions


def bulk_response(outcomes: dict[str, bulk.BulkOutcome]) -> BulkResponse:
    return BulkResponse(**{
        name: BulkActionResponse(
            success=outcome.success,
            errors=[{"error": str(err), "status_code": status_of(err)} for err in outcome.errors],
        )
        for name, outcome in outcomes.items()
    })


def utc(value: datetime | None) -> datetime | None:
    """A request's date in UTC (one without a time zone is UTC); a date that leaves the
    calendar once in UTC (``0001-01-01T00:00:00+05:00``) is a 400, not an overflow."""
    if value is None:
        return None
    try:
        return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        raise InvalidRequest(f"The date {value.isoformat()} is out of range once converted to UTC") from None


def date_range(gte: datetime | None, gt: datetime | None, lte: datetime | None, lt: datetime | None) -> Range:
    return Range(utc(gte), utc(gt), utc(lte), utc(lt))
