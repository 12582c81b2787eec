"""The check every command that takes a DAG or task id makes first: an unknown id is a NotFound
that names the closest known one ("DAG 'x' not found. Did you mean 'example_x'?")."""

from __future__ import annotations

from slipstream.services.context import ServiceContext
from slipstream.services.errors import NotFound
from slipstream.store import suggestions


def unknown_dag_message(dag_id: str, known: list[str]) -> str:
    hint = suggestions.did_you_mean(dag_id, known)
    if hint:
        return f"DAG {dag_id!r} not found.{hint} (A file that failed to load: `slipstream dags list-import-errors`.)"
    return f"DAG {dag_id!r} not found. See `slipstream dags list` (or `dags list-import-errors`)."


def require_dag(ctx: ServiceContext, dag_id: str) -> None:
    with ctx.db.read() as session:
        if suggestions.dag_exists(session, dag_id):
            return
        known = suggestions.dag_ids(session)
    raise NotFound(unknown_dag_message(dag_id, known))


def require_task(ctx: ServiceContext, dag_id: str, task_id: str) -> None:
    require_dag(ctx, dag_id)
    with ctx.db.read() as session:
        known = suggestions.task_ids(session, dag_id)
    if known is None or task_id in known:
        return
    raise NotFound(unknown_task_message(dag_id, task_id, known))


def unknown_task_message(dag_id: str, task_id: str, known: list[str]) -> str:
    hint = suggestions.did_you_mean(task_id, known) or f" Its tasks: {', '.join(known)}."
    return f"Task {task_id!r} not found in DAG {dag_id!r}.{hint}"
