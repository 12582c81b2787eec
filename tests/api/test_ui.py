"""The UI's own endpoints: /ui/structure, /ui/grid, /ui/dashboard; and /docs served without a CDN."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from slipstream.store import dag_runs, task_instances
from slipstream.store.dag_runs import TaskSpec

DAG_SOURCE = '''
from datetime import datetime

from airflow.sdk import DAG, TaskGroup, task
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.utils.edgemodifier import Label

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None) as dag:
    start = EmptyOperator(task_id="start")
    create = EmptyOperator(task_id="create_cluster").as_setup()
    with TaskGroup("process", tooltip="the work") as process:
        first = EmptyOperator(task_id="first")
        with TaskGroup("inner"):
            deep = EmptyOperator(task_id="deep", task_display_name="Deep one")
        first >> deep

    @task
    def double(x):
        return 2 * x

    doubled = double.expand(x=[1, 2, 3])
    delete = EmptyOperator(task_id="delete_cluster").as_teardown(setups=create)
    start >> Label("go") >> create >> process >> doubled >> delete
'''


@pytest.fixture(scope="module")
def dag_id(api) -> str:
    dag_id = api.unique("ui_dag")
    api.write_dag(f"{dag_id}.py", DAG_SOURCE.format(dag_id=dag_id))
    api.parse()
    return dag_id


def _task_ids(nodes):
    for node in nodes:
        yield node["id"]
        yield from _task_ids(node.get("children") or [])


def test_structure_nests_groups_in_dag_order_with_labels_and_setup_teardown(api, dag_id):
    answer = api.client("Viewer").get(f"/ui/structure/{dag_id}")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    nodes = body["nodes"]
    assert [n["id"] for n in nodes] == ["start", "create_cluster", "process", "double", "delete_cluster"]
    by_id = {n["id"]: n for n in nodes}
    assert by_id["create_cluster"]["setup_teardown_type"] == "setup"
    assert by_id["delete_cluster"]["setup_teardown_type"] == "teardown"
    assert by_id["double"]["is_mapped"] is True and by_id["double"]["operator"]
    process = by_id["process"]
    assert process["type"] == "group" and process["tooltip"] == "the work"
    assert [c["id"] for c in process["children"]] == ["process.first", "process.inner"]
    assert process["children"][0]["label"] == "first"
    inner = process["children"][1]
    assert inner["label"] == "inner" and inner["children"][0]["label"] == "Deep one"
    edges = {(e["source_id"], e["target_id"]): e for e in body["edges"]}
    assert edges[("start", "create_cluster")]["label"] == "go"
    assert edges[("create_cluster", "delete_cluster")]["is_setup_teardown"] is True
    assert edges[("process.first", "process.inner.deep")]["is_setup_teardown"] is False
    assert set(_task_ids(nodes)) >= {t for pair in edges for t in pair}


def _add_runs(api, dag_id: str, count: int) -> list[str]:
    """Runs written straight to the store, with chosen states: start/first success, the mapped
    task expanded to 3 instances (one failed), the rest left 'none'."""
    from slipstream.store.models import TaskInstanceRow

    names = ["start", "create_cluster", "process.first", "process.inner.deep", "double", "delete_cluster"]
    specs = [TaskSpec(task_id=t, operator="EmptyOperator", max_tries=0, pool="default_pool", pool_slots=1,
                      queue="default", priority_weight=1) for t in names]
    base = datetime(2024, 3, 1, tzinfo=UTC)
    run_ids = []
    with api.db.write() as session:
        for i in range(count):
            run_id = f"manual__{i}"
            run = dag_runs.create(session, dag_id=dag_id, run_id=run_id, run_type="manual", tasks=specs,
                                  now=base + timedelta(days=i), logical_date=base + timedelta(days=i),
                                  state="running")
            rows = {r.task_id: r for r in session.query(TaskInstanceRow).filter_by(dag_run_id=run.id)}
            for name in ("start", "process.first"):
                rows[name].state = "success"
            session.flush()
            task_instances.expand(session, rows["double"].id, 3, "success")
            session.query(TaskInstanceRow).filter_by(dag_run_id=run.id, task_id="double", map_index=1).update(
                {"state": "failed"})
            run_ids.append(run_id)
    return run_ids


def test_grid_gives_a_state_per_task_and_run_and_counts_for_mapped_tasks_and_groups(api, dag_id):
    run_ids = _add_runs(api, dag_id, 3)
    answer = api.client("Viewer").get(f"/ui/grid/{dag_id}", params={"limit": 2})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total_runs"] == 3
    assert [r["run_id"] for r in body["runs"]] == [run_ids[2], run_ids[1]]
    assert body["runs"][0]["state"] == "running" and body["runs"][0]["run_type"] == "manual"
    rows = {r["id"]: r for r in body["rows"]}
    assert [r["id"] for r in body["rows"]] == [
        "start", "create_cluster", "process", "process.first", "process.inner", "process.inner.deep", "double",
        "delete_cluster",
    ]
    assert rows["start"]["states"] == ["success", "success"] and "counts" not in rows["start"]
    assert rows["start"]["depth"] == 0 and "parent" not in rows["start"]
    assert rows["process.inner.deep"]["depth"] == 2 and rows["process.inner.deep"]["parent"] == "process.inner"
    assert rows["create_cluster"]["states"] == ["none", "none"]
    assert rows["double"]["is_mapped"] is True
    assert rows["double"]["states"] == ["failed", "failed"]
    assert rows["double"]["counts"] == [{"success": 2, "failed": 1}] * 2
    assert rows["process"]["type"] == "group"
    assert rows["process"]["states"] == ["none", "none"]  # deep is not decided yet: not all done
    assert rows["process"]["counts"] == [{"success": 1, "none": 1}] * 2

    oldest = api.client("Viewer").get(f"/ui/grid/{dag_id}", params={"order_by": "logical_date", "limit": 1}).json()
    assert [r["run_id"] for r in oldest["runs"]] == [run_ids[0]]
    filtered = api.client("Viewer").get(f"/ui/grid/{dag_id}", params={"state": "success"}).json()
    assert filtered["runs"] == [] and filtered["total_runs"] == 0
    assert all(r["states"] == [] for r in filtered["rows"])


def test_grid_and_structure_errors(api, dag_id):
    viewer = api.client("Viewer")
    for path in ("/ui/grid/no_such_dag", "/ui/structure/no_such_dag"):
        missing = viewer.get(path)
        assert missing.status_code == 404 and "no_such_dag" in missing.json()["detail"]
    bad_order = viewer.get(f"/ui/grid/{dag_id}", params={"order_by": "color"})
    assert bad_order.status_code == 400 and "logical_date" in bad_order.json()["detail"]
    assert viewer.get(f"/ui/grid/{dag_id}", params={"limit": 0}).status_code == 422
    for path in (f"/ui/grid/{dag_id}", f"/ui/structure/{dag_id}", "/ui/dashboard"):
        assert api.client(None).get(path).status_code == 401


def test_dashboard_counts(api, dag_id):
    answer = api.client("Viewer").get("/ui/dashboard")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["dags"]["total"] >= 1 and body["dags"]["active"] + body["dags"]["paused"] == body["dags"]["total"]
    assert set(body["dag_runs"]) >= {"queued", "running", "success", "failed"}
    assert body["task_instances"]["success"] >= 0 and "up_for_retry" in body["task_instances"]


def test_docs_are_served_without_a_cdn(api):
    anonymous = api.client(None)
    page = anonymous.get("/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert any(a.endswith("swagger-ui-bundle.js") for a in assets)
    assert any(a.endswith(".css") for a in assets)
    for url in assets:
        assert url.startswith("/"), f"{url} is not served by this server"
        assert anonymous.get(url).status_code == 200, url
    assert anonymous.get("/redoc").status_code == 404
    assert anonymous.get("/openapi.json").status_code == 200


def test_a_changed_dag_shows_its_new_structure(api):
    dag_id = api.unique("ui_changing")
    source = '''
    from datetime import datetime
    from airflow.sdk import DAG
    from airflow.providers.standard.operators.empty import EmptyOperator

    with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None):
        {tasks}
    '''
    api.write_dag(f"{dag_id}.py", source.format(dag_id=dag_id, tasks='EmptyOperator(task_id="a")'))
    api.parse()
    viewer = api.client("Viewer")
    assert [n["id"] for n in viewer.get(f"/ui/structure/{dag_id}").json()["nodes"]] == ["a"]
    api.write_dag(f"{dag_id}.py", source.format(
        dag_id=dag_id, tasks='EmptyOperator(task_id="a") >> EmptyOperator(task_id="b")'))
    api.parse()
    assert [n["id"] for n in viewer.get(f"/ui/structure/{dag_id}").json()["nodes"]] == ["a", "b"]
    assert [r["id"] for r in viewer.get(f"/ui/grid/{dag_id}").json()["rows"]] == ["a", "b"]


def test_the_grid_reads_the_store_in_a_few_queries_whatever_its_size(api, dag_id):
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    viewer = api.client("Viewer")
    viewer.get(f"/ui/grid/{dag_id}")  # the structure is kept after the first answer
    event.listen(api.db.engine, "before_cursor_execute", record)
    try:
        answer = viewer.get(f"/ui/grid/{dag_id}", params={"limit": 50})
    finally:
        event.remove(api.db.engine, "before_cursor_execute", record)
    assert answer.status_code == 200
    grid_reads = [s for s in statements if "ab_user" not in s]  # the login's own lookup aside
    assert len(grid_reads) <= 4, grid_reads
