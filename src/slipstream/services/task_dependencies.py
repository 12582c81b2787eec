"""Why a task instance does not run yet (Airflow's task instance dependencies), from what the
scheduler decides on: the instance's state, its trigger rule over its upstream states, its retry
delay, the waiting reason the scheduler recorded, and whether the DAG is paused.

Upstream states are those of every instance of each upstream task (a mapped upstream's instances
are all counted, not only the one a mapped downstream instance reads)."""

from __future__ import annotations

from dataclasses import dataclass

from slipstream.scheduler.trigger_rules import Decision, decide
from slipstream.services.clearing import serialized_dag
from slipstream.services.context import ServiceContext
from slipstream.services.task_instances import find_row
from slipstream.store import dags, task_instances
from slipstream.store.clock import utcnow
from slipstream.store.states import TaskInstanceState as TI

WAITING = frozenset({TI.NONE.value, TI.SCHEDULED.value, TI.UP_FOR_RETRY.value, TI.UP_FOR_RESCHEDULE.value})


@dataclass(frozen=True)
class Dependency:
    name: str
    reason: str


def unmet_dependencies(
    ctx: ServiceContext, dag_id: str, run_id: str, task_id: str, map_index: int = -1
) -> list[Dependency]:
    with ctx.db.read() as session:
        row = find_row(session, dag_id, run_id, task_id, map_index)
        if row.state not in WAITING:
            return [Dependency("Task Instance State", f"Task is in the '{row.state}' state, so it is not waiting to run.")]
        dag = serialized_dag(session, dag_id)
        dag_row = dags.get_dag(session, dag_id)
        states = task_instances.states_of_run(session, row.dag_run_id)
    found = []
    if dag_row is not None and dag_row.is_paused:
        found.append(Dependency("Dag Not Paused", f"DAG {dag_id!r} is paused: its task instances do not run."))
    task = dag.tasks.get(task_id)
    if task is None:
        return [*found, Dependency("Task Exists", f"DAG {dag_id!r} no longer has task {task_id!r}.")]
    upstream = [state for up in task.upstream for state in states.get(up, [])]
    if decide(task.trigger_rule, upstream) is Decision.WAIT:
        counts = {s: upstream.count(s) for s in sorted(set(upstream))}
        summary = ", ".join(f"{n} {s}" for s, n in counts.items()) or "none yet"
        found.append(Dependency(
            "Trigger Rule",
            f"Task's trigger rule '{task.trigger_rule}' is not met yet by its {len(upstream)} upstream task "
            f"instance(s): {summary}.",
        ))
    if row.state == TI.UP_FOR_RETRY.value and row.next_try_at is not None and row.next_try_at > utcnow():
        found.append(Dependency("Not In Retry Period", f"Task is waiting for its retry delay, until {row.next_try_at.isoformat()}."))
    if row.state == TI.UP_FOR_RESCHEDULE.value and row.next_try_at is not None and row.next_try_at > utcnow():
        found.append(Dependency("Ready To Reschedule", f"The sensor pokes again at {row.next_try_at.isoformat()}."))
    if row.state_reason:
        found.append(Dependency("Waiting Reason", row.state_reason))
    return found
