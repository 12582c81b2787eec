"""/api/v2/jobs, /providers, /plugins, and the 501 answers of eventLogs and backfills."""

from __future__ import annotations

from datetime import timedelta

from slipstream.store import jobs
from slipstream.store.clock import utcnow


def test_jobs_from_the_job_table(api):
    now = utcnow()
    host = api.unique("host")
    with api.db.write() as session:
        alive = jobs.register(session, host, 11, now)
        dead = jobs.register(session, host, 12, now - timedelta(hours=1))
        session.execute(jobs.TABLE.update().where(jobs.TABLE.c.id == dead).values(
            latest_heartbeat=now - timedelta(hours=1)))
        ended = jobs.register(session, host, 13, now - timedelta(hours=2))
        jobs.end(session, ended, jobs.SUCCESS, now - timedelta(hours=1))
    viewer = api.client("Viewer")
    listed = viewer.get("/api/v2/jobs", params={"hostname": host}).json()
    assert [j["id"] for j in listed["jobs"]] == [alive, dead, ended] and listed["total_entries"] == 3
    first = listed["jobs"][0]
    assert first["job_type"] == "SchedulerJob" and first["state"] == "running" and first["hostname"] == host
    assert first["dag_id"] is None and first["executor_class"] is None and first["unixname"] is None
    assert first["start_date"].endswith(("+00:00", "Z"))
    alive_only = viewer.get("/api/v2/jobs", params={"hostname": host, "is_alive": True}).json()
    assert [j["id"] for j in alive_only["jobs"]] == [alive]
    not_alive = viewer.get("/api/v2/jobs", params={"hostname": host, "is_alive": False, "order_by": "-id"}).json()
    assert [j["id"] for j in not_alive["jobs"]] == [ended, dead] and not_alive["total_entries"] == 2
    success = viewer.get("/api/v2/jobs", params={"hostname": host, "job_state": "success"}).json()
    assert [j["id"] for j in success["jobs"]] == [ended]
    recent = viewer.get("/api/v2/jobs", params={"hostname": host, "start_date_gte": (now - timedelta(minutes=1))
                                                .isoformat()}).json()
    assert [j["id"] for j in recent["jobs"]] == [alive]
    assert viewer.get("/api/v2/jobs", params={"executor_class": "LocalExecutor"}).json()["total_entries"] == 0
    assert viewer.get("/api/v2/jobs", params={"order_by": "pid"}).status_code == 400
    assert api.client(None).get("/api/v2/jobs").status_code == 401


def test_providers_and_plugins(api):
    viewer = api.client("Viewer")
    providers = viewer.get("/api/v2/providers").json()
    assert providers["total_entries"] == len(providers["providers"])
    assert all(p["package_name"].startswith("apache-airflow-providers-") for p in providers["providers"])
    assert viewer.get("/api/v2/plugins").json() == {"plugins": [], "total_entries": 0}
    assert viewer.get("/api/v2/plugins/importErrors").json() == {"import_errors": [], "total_entries": 0}
    assert api.client(None).get("/api/v2/providers").status_code == 401


def test_event_logs_and_backfills_say_what_is_missing(api):
    user = api.client("User")
    for path in ("/api/v2/eventLogs", "/api/v2/eventLogs/1"):
        answer = user.get(path)
        assert answer.status_code == 501 and "audit log" in answer.json()["detail"]
    for method, path in (("GET", "/api/v2/backfills"), ("GET", "/api/v2/backfills/1"), ("POST", "/api/v2/backfills"),
                         ("POST", "/api/v2/backfills/dry_run"), ("PUT", "/api/v2/backfills/1/pause"),
                         ("PUT", "/api/v2/backfills/1/cancel")):
        answer = user.request(method, path)
        assert answer.status_code == 501, (method, path)
        assert "slipstream dags backfill" in answer.json()["detail"]
    assert api.client("Viewer").post("/api/v2/backfills").status_code == 403
    assert api.client(None).get("/api/v2/eventLogs").status_code == 401


def test_asset_state_store_and_queued_connection_tests_say_what_is_missing(api):
    op = api.client("Op")
    for method, path in (("GET", "/api/v2/assets/1/state-store"), ("PUT", "/api/v2/assets/1/state-store/k"),
                         ("DELETE", "/api/v2/assets/1/state-store/k")):
        answer = op.request(method, path)
        assert answer.status_code == 501 and "asset state store" in answer.json()["detail"]
    for method in ("GET", "POST"):
        answer = op.request(method, "/api/v2/connections/enqueue-test")
        assert answer.status_code == 501 and "/api/v2/connections/test" in answer.json()["detail"]
