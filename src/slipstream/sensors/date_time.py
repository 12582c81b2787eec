"""DateTimeSensor: wait until a date and time (templated) has passed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from slipstream.sensors.base import BaseSensorOperator

__all__ = ["DateTimeSensor", "DateTimeSensorAsync"]


class DateTimeSensor(BaseSensorOperator):
    """Done once ``target_time`` has passed. It is a datetime or an ISO 8601 string, usually a
    template such as ``"{{ data_interval_end }}"``; a time without a zone is UTC."""

    template_fields: Sequence[str] = ("target_time",)

    def __init__(self, *, target_time: str | datetime, deferrable: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if isinstance(target_time, datetime):
            self.target_time = target_time.isoformat()
        elif isinstance(target_time, str):
            self.target_time = target_time
        else:
            raise TypeError(
                f"Task {self.task_id!r}: target_time must be a str or a datetime.datetime, got {type(target_time).__name__}"
            )
        self.use_reschedule_for_deferral(deferrable)

    def target(self) -> datetime:
        try:
            parsed = datetime.fromisoformat(str(self.target_time).strip())
        except ValueError:
            raise ValueError(f"Task {self.task_id!r}: target_time {self.target_time!r} is not an ISO 8601 date and time") from None
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)

    def poke(self, context: Mapping[str, Any]) -> bool:
        target = self.target()
        self.log.info("Checking whether %s has passed", target.isoformat())
        return datetime.now(UTC) > target


class DateTimeSensorAsync(DateTimeSensor):
    """The deferrable spelling of DateTimeSensor; it waits in reschedule mode."""

    def __init__(self, *, target_time: str | datetime, **kwargs: Any) -> None:
        kwargs.setdefault("deferrable", True)
        super().__init__(target_time=target_time, **kwargs)
