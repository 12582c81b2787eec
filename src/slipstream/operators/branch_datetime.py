"""BranchDateTimeOperator: follows one branch while now (or the run's logical date) is between
two moments, another outside them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from slipstream.operators.branching import BaseBranchOperator
from slipstream.operators.weekday import branch_moment, dag_zone
from slipstream.sdk.exceptions import DagDefinitionError


def target_times_as_dates(
    base: dt.datetime, lower: dt.datetime | dt.time | None, upper: dt.datetime | dt.time | None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The bounds as datetimes: a time of day is taken on ``base``'s day; a window of times of
    day whose upper bound comes before its lower one ends the next day."""
    if isinstance(lower, dt.datetime) and isinstance(upper, dt.datetime):
        return lower, upper
    if isinstance(lower, dt.time):
        lower = dt.datetime.combine(base.date(), lower)
    if isinstance(upper, dt.time):
        upper = dt.datetime.combine(base.date(), upper)
    if lower is not None and upper is not None and upper < lower:
        upper += dt.timedelta(days=1)
    return lower, upper


class BranchDateTimeOperator(BaseBranchOperator):
    """Follows ``follow_task_ids_if_true`` when the moment (now, or with
    ``use_task_logical_date`` the run's logical date) is within ``target_lower`` and
    ``target_upper`` (datetimes, or times of day; naive ones are in the DAG's time zone, and
    either bound may be None), else ``follow_task_ids_if_false``."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        target_lower: dt.datetime | dt.time | None,
        target_upper: dt.datetime | dt.time | None,
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if target_lower is None and target_upper is None:
            raise DagDefinitionError(
                f"Task {self.task_id!r}: target_lower and target_upper are both None; give at least one bound"
            )
        self.target_lower = target_lower
        self.target_upper = target_upper
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.use_task_logical_date = use_task_logical_date

    def choose_branch(self, context: Mapping[str, Any]) -> str | Iterable[str]:
        moment = branch_moment(context, self.use_task_logical_date)
        zone = dag_zone(self)
        lower, upper = target_times_as_dates(moment.astimezone(zone), self.target_lower, self.target_upper)
        lower, upper = (_aware(bound, zone) for bound in (lower, upper))
        if (upper is not None and upper < moment) or (lower is not None and lower > moment):
            return self.follow_task_ids_if_false
        return self.follow_task_ids_if_true


def _aware(moment: dt.datetime | None, zone: Any) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    localize = getattr(zone, "localize", None)  # pytz-style zones
    return localize(moment) if localize is not None else moment.replace(tzinfo=zone)
