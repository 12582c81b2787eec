"""Reading a DAG's ``schedule`` argument into a small, serializable description."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

PRESETS = {
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@quarterly": "0 0 1 */3 *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@midnight": "0 0 * * *",
}


class InvalidSchedule(ValueError):
    """The schedule of a DAG cannot be understood."""


def parse_schedule(schedule: Any, dag_id: str = "") -> dict[str, Any] | None:
    """``None`` for manual only; otherwise ``{"kind": "cron"|"delta"|"once", ...}``."""
    where = f" of DAG {dag_id!r}" if dag_id else ""
    if schedule is None or schedule == "None":
        return None
    if isinstance(schedule, timedelta):
        if schedule.total_seconds() <= 0:
            raise InvalidSchedule(f"The schedule{where} must be a positive interval, got {schedule}")
        return {"kind": "delta", "seconds": schedule.total_seconds(), "summary": str(schedule)}
    if isinstance(schedule, str):
        text = schedule.strip()
        if text == "@once":
            return {"kind": "once", "summary": "@once"}
        if text in ("@continuous",):
            raise InvalidSchedule(f"The schedule{where} {text!r} is not supported by this version of Slipstream")
        expression = PRESETS.get(text, text)
        if text.startswith("@") and text not in PRESETS:
            raise InvalidSchedule(
                f"Unknown schedule preset {text!r}{where}; use one of @once, {', '.join(PRESETS)} or a cron string"
            )
        from croniter import croniter

        if not croniter.is_valid(expression):
            raise InvalidSchedule(
                f"Invalid cron expression {text!r}{where}: expected five fields "
                "'minute hour day-of-month month day-of-week', e.g. '0 2 * * *'"
            )
        return {"kind": "cron", "expression": expression, "summary": text}
    raise InvalidSchedule(
        f"Unsupported schedule{where}: {schedule!r} ({type(schedule).__name__}); use None, a cron string, "
        "a preset like '@daily' or a timedelta"
    )
