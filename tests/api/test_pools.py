"""/api/v2/pools: listing with slots by state, create, patch, delete, bulk, and who may do what."""

from __future__ import annotations


def test_create_read_patch_delete_a_pool(api):
    op = api.client("Op")
    name = api.unique("pool")
    created = op.post("/api/v2/pools", json={"name": name, "slots": 3, "description": "three"})
    assert created.status_code == 201, created.text
    assert created.json() == {
        "name": name, "slots": 3, "description": "three", "include_deferred": False, "occupied_slots": 0,
        "running_slots": 0, "queued_slots": 0, "scheduled_slots": 0, "open_slots": 3, "deferred_slots": 0,
        "team_name": None,
    }
    assert op.post("/api/v2/pools", json={"name": name, "slots": 1}).status_code == 409
    assert api.client("Viewer").get(f"/api/v2/pools/{name}").json()["slots"] == 3
    patched = op.patch(f"/api/v2/pools/{name}", json={"slots": 5})
    assert patched.status_code == 200 and patched.json()["slots"] == 5 and patched.json()["description"] == "three"
    masked = op.patch(f"/api/v2/pools/{name}", params={"update_mask": "description"},
                      json={"slots": 9, "description": "five"})
    assert masked.json()["slots"] == 5 and masked.json()["description"] == "five"
    assert op.patch(f"/api/v2/pools/{name}", json={"pool": "other", "slots": 1}).status_code == 400
    assert op.patch(f"/api/v2/pools/{name}", json={"slots": -1}).status_code == 400
    assert op.delete(f"/api/v2/pools/{name}").status_code == 204
    missing = op.get(f"/api/v2/pools/{name}")
    assert missing.status_code == 404 and name in missing.json()["detail"]
    assert op.delete(f"/api/v2/pools/{name}").status_code == 404


def test_default_pool_cannot_be_deleted(api):
    answer = api.client("Op").delete("/api/v2/pools/default_pool")
    assert answer.status_code == 400 and "default_pool cannot be deleted" in answer.json()["detail"]


def test_list_filters_orders_and_pages(api):
    op = api.client("Op")
    prefix = api.unique("lst")
    for name, slots in (("b", 2), ("a", 1), ("c", 3)):
        assert op.post("/api/v2/pools", json={"name": f"{prefix}_{name}", "slots": slots}).status_code == 201
    listed = op.get("/api/v2/pools", params={"pool_name_pattern": prefix.upper(), "order_by": "-name"}).json()
    assert [p["name"] for p in listed["pools"]] == [f"{prefix}_c", f"{prefix}_b", f"{prefix}_a"]
    assert listed["total_entries"] == 3
    paged = op.get("/api/v2/pools", params={"pool_name_prefix_pattern": prefix, "order_by": "name", "limit": 1,
                                            "offset": 1}).json()
    assert [p["name"] for p in paged["pools"]] == [f"{prefix}_b"] and paged["total_entries"] == 3
    either = op.get("/api/v2/pools", params={"pool_name_pattern": f"{prefix}_a|{prefix}_c"}).json()
    assert {p["name"] for p in either["pools"]} == {f"{prefix}_a", f"{prefix}_c"}
    bad = op.get("/api/v2/pools", params={"order_by": "slots"})
    assert bad.status_code == 400 and "id, pool, name" in bad.json()["detail"]
    assert "default_pool" in {p["name"] for p in op.get("/api/v2/pools", params={"limit": 1000}).json()["pools"]}


def test_bulk_create_update_delete(api):
    op = api.client("Op")
    a, b = api.unique("bulk"), api.unique("bulk")
    answer = op.patch("/api/v2/pools", json={"actions": [
        {"action": "create", "entities": [{"name": a, "slots": 1}, {"name": b, "slots": 2}]},
        {"action": "update", "entities": [{"name": a, "slots": 7}], "update_mask": ["slots"]},
        {"action": "delete", "entities": [b, "no_such_pool"]},
    ]})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["create"] == {"success": [a, b], "errors": []}
    assert body["update"] == {"success": [a], "errors": []}
    assert body["delete"]["success"] == [] and body["delete"]["errors"][0]["status_code"] == 404
    assert "no_such_pool" in body["delete"]["errors"][0]["error"]
    assert op.get(f"/api/v2/pools/{b}").status_code == 200  # the failed delete changed nothing
    assert op.get(f"/api/v2/pools/{a}").json()["slots"] == 7
    again = op.patch("/api/v2/pools", json={"actions": [
        {"action": "create", "entities": [{"name": a, "slots": 3}], "action_on_existence": "fail"},
        {"action": "create", "entities": [{"name": a, "slots": 4}], "action_on_existence": "overwrite"},
        {"action": "delete", "entities": [b, "no_such_pool"], "action_on_non_existence": "skip"},
    ]}).json()
    assert again["create"]["success"] == [a] and again["create"]["errors"][0]["status_code"] == 409
    assert again["delete"] == {"success": [b], "errors": []}
    assert op.get(f"/api/v2/pools/{a}").json()["slots"] == 4


def test_slots_by_state_come_from_the_task_instances(api):
    from slipstream.store.models import TaskInstanceRow

    op = api.client("Op")
    name = api.unique("busy")
    op.post("/api/v2/pools", json={"name": name, "slots": 10})
    with api.db.write() as session:
        for i, (state, slots) in enumerate((("running", 2), ("queued", 1), ("scheduled", 3), ("success", 4))):
            session.add(TaskInstanceRow(dag_run_id=0, dag_id="pool_usage", run_id=name, task_id=f"t{i}", map_index=-1, state=state,
                                        pool=name, pool_slots=slots, try_number=1))
    pool = op.get(f"/api/v2/pools/{name}").json()
    assert (pool["running_slots"], pool["queued_slots"], pool["scheduled_slots"]) == (2, 1, 3)
    assert (pool["occupied_slots"], pool["open_slots"]) == (3, 7)


def test_roles(api):
    assert api.client(None).get("/api/v2/pools").status_code == 401
    assert api.client("Viewer").get("/api/v2/pools").status_code == 200
    refused = api.client("User").post("/api/v2/pools", json={"name": api.unique("no"), "slots": 1})
    assert refused.status_code == 403 and "Op" in refused.json()["detail"]
    assert api.client("User").patch("/api/v2/pools/default_pool", json={"slots": 5}).status_code == 403
    assert api.client("Op").patch("/api/v2/pools/default_pool", json={"slots": 128}).status_code == 200
