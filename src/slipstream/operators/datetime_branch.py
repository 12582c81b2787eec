"""``BranchDateTimeOperator``: one branch while the time is between two bounds, the other outside."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from slipstream.operators.weekday import branch_to, dag_zone
from slipstream.sdk.baseoperator import BaseOperator
from slipstream.sdk.exceptions import AirflowException


def target_times_as_dates(
    now: datetime, lower: datetime | time | None, upper: datetime | time | None
) -> tuple[datetime | None, datetime | None]:
    """Bounds given as times of day become datetimes on ``now``'s date; an upper time before the
    lower one is on the next day (a window across midnight)."""
    if isinstance(lower, datetime) and isinstance(upper, datetime):
        return lower, upper
    if isinstance(lower, time):
        lower = datetime.combine(now.date(), lower)
    if isinstance(upper, time):
        upper = datetime.combine(now.date(), upper)
    if lower is not None and upper is not None and upper < lower:
        upper += timedelta(days=1)
    return lower, upper


class BranchDateTimeOperator(BaseOperator):
    """Follows ``follow_task_ids_if_true`` when now (or the logical date) is within
    [``target_lower``, ``target_upper``], else ``follow_task_ids_if_false``. Bounds are datetimes
    or times of day; naive ones are in the DAG's time zone; either may be None (open)."""

    def __init__(
        self,
        *,
        follow_task_ids_if_true: str | Iterable[str],
        follow_task_ids_if_false: str | Iterable[str],
        target_lower: datetime | time | None,
        target_upper: datetime | time | None,
        use_task_logical_date: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if target_lower is None and target_upper is None:
            raise AirflowException(
                f"Task {self.task_id!r}: BranchDateTimeOperator needs target_lower or target_upper (or both)"
            )
        self.target_lower = target_lower
        self.target_upper = target_upper
        self.follow_task_ids_if_true = follow_task_ids_if_true
        self.follow_task_ids_if_false = follow_task_ids_if_false
        self.use_task_logical_date = use_task_logical_date

    def execute(self, context: Mapping[str, Any]) -> Any:
        now = context["logical_date"] if self.use_task_logical_date else datetime.now(UTC)
        lower, upper = target_times_as_dates(now, self.target_lower, self.target_upper)
        zone = dag_zone(self.dag)
        lower, upper = (None if b is None else b if b.tzinfo else b.replace(tzinfo=zone) for b in (lower, upper))
        inside = not (upper is not None and upper < now) and not (lower is not None and lower > now)
        return branch_to(self, context, self.follow_task_ids_if_true if inside else self.follow_task_ids_if_false)
