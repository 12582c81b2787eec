"""ResumableJobMixin: an operator that submits one long job elsewhere and polls it, and whose
retry reattaches to that job instead of submitting a second one.

The job's id is kept in the task state store (``sdk/task_state.py``) under ``external_id_key``.
On a retry: a job still active is polled again; one that already succeeded gives its result
without polling; one in another final state is submitted afresh. ``durable=False`` keeps nothing.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

log = logging.getLogger("slipstream.task")


class ResumableJobMixin(ABC):
    """Put it before BaseOperator (``class MyOperator(ResumableJobMixin, BaseOperator)``), implement
    the six job methods, and call ``execute_resumable(context)`` from ``execute``."""

    external_id_key: str = "remote_job_id"

    def __init__(self, *, durable: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.durable = durable

    def execute_resumable(self, context: Mapping[str, Any]) -> Any:
        if not self.durable:
            external_id = self.submit_job(context)
            self.poll_until_complete(external_id, context)
            return self.get_job_result(external_id, context)
        store = context.get("task_state_store")
        if store is None:
            log.warning("No task_state_store in the context: a retry of this task will submit its job again")
        else:
            previous = store.get(self.external_id_key)
            if previous:
                status = self.get_job_status(previous, context)
                if self.is_job_active(status):
                    log.info("Reattaching to job %s (%s), submitted by an earlier try", previous, status)
                    return self.poll_until_complete(previous, context)
                if self.is_job_succeeded(status):
                    log.info("Job %s already succeeded: not submitting it again", previous)
                    return self.get_job_result(previous, context)
                log.warning("Job %s of an earlier try ended %s: submitting a new one", previous, status)
        external_id = self.submit_job(context)
        if store is not None and external_id is not None:
            store.set(self.external_id_key, external_id)
        self.poll_until_complete(external_id, context)
        return self.get_job_result(external_id, context)

    @abstractmethod
    def submit_job(self, context: Mapping[str, Any]) -> Any:
        """Start the job; return its id (JSON), or None when there is none to keep."""

    @abstractmethod
    def get_job_status(self, external_id: Any, context: Mapping[str, Any]) -> str:
        """The job's status as the external system spells it."""

    @abstractmethod
    def is_job_active(self, status: str) -> bool:
        """Whether a job in ``status`` still runs (and can be reattached to)."""

    @abstractmethod
    def is_job_succeeded(self, status: str) -> bool:
        """Whether a job in ``status`` finished successfully."""

    @abstractmethod
    def poll_until_complete(self, external_id: Any, context: Mapping[str, Any]) -> Any:
        """Wait for the job to finish (raise if it fails)."""

    @abstractmethod
    def get_job_result(self, external_id: Any, context: Mapping[str, Any]) -> Any:
        """What the task returns once the job succeeded."""
