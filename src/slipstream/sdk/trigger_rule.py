"""Trigger rules: when a task may run, given the states of its upstream tasks."""

from __future__ import annotations

from enum import Enum, StrEnum


class TriggerRule(StrEnum):
    ALL_SUCCESS = "all_success"
    ALL_FAILED = "all_failed"
    ALL_DONE = "all_done"
    ALL_DONE_MIN_ONE_SUCCESS = "all_done_min_one_success"
    ALL_SKIPPED = "all_skipped"
    ONE_SUCCESS = "one_success"
    ONE_FAILED = "one_failed"
    ONE_DONE = "one_done"
    NONE_FAILED = "none_failed"
    NONE_FAILED_MIN_ONE_SUCCESS = "none_failed_min_one_success"
    NONE_SKIPPED = "none_skipped"
    ALWAYS = "always"
    # A teardown's rule: all upstreams done and, if it has setups, at least one of them succeeded.
    ALL_DONE_SETUP_SUCCESS = "all_done_setup_success"
    # Airflow 2 name of none_failed_min_one_success.
    NONE_FAILED_OR_SKIPPED = "none_failed_or_skipped"

    def __str__(self) -> str:
        return self.value

    @classmethod
    def parse(cls, value: object, task_id: str = "") -> TriggerRule:
        try:
            rule = cls(str(value.value if isinstance(value, Enum) else value))
        except ValueError:
            names = ", ".join(r.value for r in cls if r is not cls.NONE_FAILED_OR_SKIPPED)
            where = f" of task {task_id!r}" if task_id else ""
            raise ValueError(f"Unknown trigger_rule {value!r}{where}; valid rules are: {names}") from None
        return cls.NONE_FAILED_MIN_ONE_SUCCESS if rule is cls.NONE_FAILED_OR_SKIPPED else rule
