"""``ResumableJobMixin`` (Airflow 3.3): an operator that submits one job to another system and
waits for it, and whose retry reconnects to that job instead of submitting it again.

The first try submits the job and writes its id to ``context["task_state_store"]`` (kept across
the tries of the task instance) before it waits. A retry reads the id back and asks the other
system for the job's status: still active, it waits for it again; succeeded, it takes its result;
failed, it submits a new job. ``durable=False`` turns this off (every try submits).

The operator implements ``submit_job``, ``get_job_status``, ``is_job_active``,
``is_job_succeeded``, ``poll_until_complete`` and ``get_job_result``, and calls
``execute_resumable(context)`` from ``execute``. As in Airflow 3.3, a retry that reconnects
returns what ``poll_until_complete`` returns.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from slipstream.sdk.baseoperator import _apply_defaults


class ResumableJobMixin(ABC):
    """Mix into an operator (before BaseOperator) whose job should survive a lost worker."""

    log: Any
    # The task_state_store key that holds the job's id: renaming it strands the ids already stored.
    external_id_key: str = "remote_job_id"

    @_apply_defaults
    def __init__(self, *, durable: bool = True, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.durable = durable

    def execute_resumable(self, context: Any) -> Any:
        """Submit (or reconnect to) the job, wait for it, and return its result."""
        if not self.durable:
            external_id = self.submit_job(context)
            self.poll_until_complete(external_id, context)
            return self.get_job_result(external_id, context)
        store = context.get("task_state_store")
        if store is None:
            self.log.warning("task_state_store not available in context, crash recovery is disabled for this run")
        else:
            external_id = store.get(self.external_id_key)
            if external_id:
                status = self.get_job_status(external_id, context)
                if self.is_job_active(status):
                    self.log.info("Reconnecting to existing job %s=%s (status %s)", self.external_id_key,
                                  external_id, status)
                    return self.poll_until_complete(external_id, context)
                if self.is_job_succeeded(status):
                    self.log.info("Job %s=%s already completed successfully, skipping resubmission",
                                  self.external_id_key, external_id)
                    return self.get_job_result(external_id, context)
                self.log.warning("Prior job %s=%s in terminal state %s, resubmitting fresh", self.external_id_key,
                                 external_id, status)
        external_id = self.submit_job(context)
        if store is not None and external_id is not None:
            store.set(self.external_id_key, external_id)
        self.poll_until_complete(external_id, context)
        return self.get_job_result(external_id, context)

    @abstractmethod
    def submit_job(self, context: Any) -> Any:
        """Submit the job; return its id (a JSON value; None is not stored)."""

    @abstractmethod
    def get_job_status(self, external_id: Any, context: Any) -> str:
        """The job's status as the other system words it."""

    @abstractmethod
    def is_job_active(self, status: str) -> bool:
        """True while the job runs (it can be reconnected to)."""

    @abstractmethod
    def is_job_succeeded(self, status: str) -> bool:
        """True when the job finished successfully."""

    @abstractmethod
    def poll_until_complete(self, external_id: Any, context: Any) -> None:
        """Wait until the job ends; raise when it failed."""

    @abstractmethod
    def get_job_result(self, external_id: Any, context: Any) -> Any:
        """The job's result (the task's return value), or None."""
