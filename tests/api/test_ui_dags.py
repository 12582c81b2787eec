"""The UI's DAG list: /ui/dags (a page of DAGs with their newest runs) and /ui/dags/owners."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from slipstream.store import dag_runs

SOURCE = '''
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule=None, tags=["{tag}"],
         default_args={{"owner": "{owner}"}}):
    EmptyOperator(task_id="a")
'''


@pytest.fixture(scope="module")
def dags(api) -> dict[str, str]:
    """Three DAGs of one unique prefix: ``busy`` with 12 runs, ``quiet`` and ``other`` with none."""
    prefix = api.unique("uilist")
    found = {"busy": f"{prefix}_busy", "quiet": f"{prefix}_quiet", "other": f"{prefix}_other", "prefix": prefix}
    for name, tag, owner in (("busy", "red", "alice"), ("quiet", "blue", "bob, carol"), ("other", "blue", "alice")):
        api.write_dag(f"{found[name]}.py", SOURCE.format(dag_id=found[name], tag=f"{prefix}_{tag}", owner=owner))
    api.parse()
    base = datetime(2024, 5, 1, tzinfo=UTC)
    with api.db.write() as session:
        for i in range(12):
            dag_runs.create(session, dag_id=found["busy"], run_id=f"manual__{i:02d}", run_type="manual", tasks=[],
                            now=base + timedelta(hours=i), logical_date=base + timedelta(hours=i),
                            state="failed" if i == 11 else "success")
    return found


def test_a_page_of_dags_carries_each_ones_newest_runs_oldest_first(api, dags):
    answer = api.client("Viewer").get("/ui/dags", params={"dag_id_pattern": dags["prefix"], "limit": 2})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["total_entries"] == 3
    listed = body["dags"]
    assert [d["dag_id"] for d in listed] == [dags["busy"], dags["other"]]
    busy = listed[0]
    assert busy["owners"] == ["alice"] and busy["tags"][0]["name"] == f"{dags['prefix']}_red"
    assert "is_paused" in busy and "timetable_summary" in busy and "next_dagrun_run_after" in busy
    runs = busy["latest_dag_runs"]
    assert [r["run_id"] for r in runs] == [f"manual__{i:02d}" for i in range(2, 12)]
    assert runs[-1]["state"] == "failed" and runs[0]["state"] == "success"
    assert listed[1]["latest_dag_runs"] == []

    second = api.client("Viewer").get("/ui/dags", params={"dag_id_pattern": dags["prefix"], "limit": 2,
                                                          "offset": 2, "runs": 3}).json()
    assert [d["dag_id"] for d in second["dags"]] == [dags["quiet"]]
    few = api.client("Viewer").get("/ui/dags", params={"dag_id_pattern": dags["busy"], "runs": 3}).json()
    assert [r["run_id"] for r in few["dags"][0]["latest_dag_runs"]] == ["manual__09", "manual__10", "manual__11"]


def test_filters_are_those_of_the_dag_listing(api, dags):
    viewer = api.client("Viewer")
    by_tag = viewer.get("/ui/dags", params={"tags": f"{dags['prefix']}_blue"}).json()
    assert sorted(d["dag_id"] for d in by_tag["dags"]) == [dags["other"], dags["quiet"]]
    by_owner = viewer.get("/ui/dags", params={"owners": "carol", "dag_id_pattern": dags["prefix"]}).json()
    assert [d["dag_id"] for d in by_owner["dags"]] == [dags["quiet"]]
    api.client("User").patch(f"/api/v2/dags/{dags['other']}", json={"is_paused": True}).raise_for_status()
    paused = viewer.get("/ui/dags", params={"paused": True, "dag_id_pattern": dags["prefix"]}).json()
    assert [d["dag_id"] for d in paused["dags"]] == [dags["other"]]
    searched = viewer.get("/ui/dags", params={"search": f"{dags['prefix'].upper()}_QU"}).json()
    assert [d["dag_id"] for d in searched["dags"]] == [dags["quiet"]]
    newest_first = viewer.get("/ui/dags", params={"dag_id_pattern": dags["prefix"], "order_by": "-dag_id"}).json()
    assert [d["dag_id"] for d in newest_first["dags"]] == [dags["quiet"], dags["other"], dags["busy"]]


def test_owners_lists_each_owner_once(api, dags):
    answer = api.client("Viewer").get("/ui/dags/owners")
    assert answer.status_code == 200, answer.text
    owners = answer.json()["owners"]
    assert {"alice", "bob", "carol"} <= set(owners) and len(owners) == len(set(owners))


def test_errors_and_access(api, dags):
    viewer = api.client("Viewer")
    assert viewer.get("/ui/dags", params={"order_by": "color"}).status_code == 400
    assert viewer.get("/ui/dags", params={"runs": 51}).status_code == 422
    assert viewer.get("/ui/dags", params={"limit": 0}).status_code == 422
    for path in ("/ui/dags", "/ui/dags/owners"):
        assert api.client(None).get(path).status_code == 401


def test_the_list_reads_the_store_in_a_few_queries_whatever_the_page_size(api, dags):
    from sqlalchemy import event

    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            statements.append(statement)

    viewer = api.client("Viewer")
    event.listen(api.db.engine, "before_cursor_execute", record)
    try:
        answer = viewer.get("/ui/dags", params={"limit": 100})
    finally:
        event.remove(api.db.engine, "before_cursor_execute", record)
    assert answer.status_code == 200
    reads = [s for s in statements if "ab_user" not in s]
    assert len(reads) <= 4, reads
