"""How DAGs depend on each other through assets: a task of one DAG updates an asset (an outlet)
that another DAG is scheduled on. Airflow's ``dags show-dependencies`` draws the same graph."""

from __future__ import annotations

from dataclasses import dataclass

from slipstream.services.context import ServiceContext
from slipstream.store import asset_listings, suggestions


@dataclass(frozen=True)
class Edge:
    source: str  # "dag:<dag_id>" or "asset:<name>"
    target: str


def _dag_of(task: str, dag_ids: list[str]) -> str:
    """The DAG of ``dag_id.task_id``: the longest known DAG id it starts with (ids may hold dots)."""
    owners = [d for d in dag_ids if task.startswith(d + ".")]
    return max(owners, key=len) if owners else task.rsplit(".", 1)[0]


def asset_edges(ctx: ServiceContext) -> list[Edge]:
    with ctx.db.read() as session:
        assets = asset_listings.list_assets(session)
        dag_ids = suggestions.dag_ids(session)
    edges: set[Edge] = set()
    for asset in assets:
        node = f"asset:{asset['name']}"
        for task in asset["producing_tasks"]:
            edges.add(Edge(f"dag:{_dag_of(task, dag_ids)}", node))
        for dag_id in asset["consuming_dags"]:
            edges.add(Edge(node, f"dag:{dag_id}"))
    return sorted(edges, key=lambda e: (e.source, e.target))
