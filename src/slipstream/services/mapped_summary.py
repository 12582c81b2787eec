"""The summary the task instance page shows above a mapped task's table: how many instances it
has in a run, and how many are in each state (the table itself pages through ``listMapped``)."""

from __future__ import annotations

from dataclasses import dataclass

from slipstream.services.context import ServiceContext
from slipstream.services.grid import STATE_PRIORITY
from slipstream.services.task_instances import check_run
from slipstream.store import mapped_summary as store

_RANK = {state: i for i, state in enumerate(STATE_PRIORITY)}


@dataclass(frozen=True)
class MappedSummary:
    dag_id: str
    run_id: str
    task_id: str
    total: int
    counts: dict[str, int]
    """Instances by state ('none': no state yet), the states that matter most first."""


def mapped_summary(ctx: ServiceContext, dag_id: str, run_id: str, task_id: str) -> MappedSummary:
    """Counts of the mapped instances of ``task_id`` in the run; zero for a task that is not
    mapped (or not expanded yet). NotFound when the DAG or the run does not exist."""
    with ctx.db.read() as session:
        run = check_run(session, dag_id, run_id)
        found = store.counts_by_state(session, run.id, task_id)
    counts = dict(sorted(found.items(), key=lambda item: (_RANK.get(item[0], len(_RANK)), item[0])))
    return MappedSummary(dag_id, run_id, task_id, sum(counts.values()), counts)
