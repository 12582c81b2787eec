from __future__ import annotations

import json

from cli_helpers import invoke, invoke_json


def test_pools_set_get_list_export_import_delete(runner, tmp_path):
    created = invoke_json(runner, "pools", "set", "warehouse", "2", "two queries")
    assert created == [{"pool": "warehouse", "slots": 2, "description": "two queries", "include_deferred": False,
                        "occupied": 0, "open": 2}]
    assert {p["pool"] for p in invoke_json(runner, "pools", "list")} == {"default_pool", "warehouse"}
    out = tmp_path / "pools.json"
    invoke(runner, "pools", "export", str(out))
    assert json.loads(out.read_text())["warehouse"] == {"slots": 2, "description": "two queries"}
    invoke(runner, "pools", "delete", "warehouse")
    assert "does not exist" in invoke(runner, "pools", "get", "warehouse", code=1).stderr
    invoke(runner, "pools", "import", str(out))
    assert invoke_json(runner, "pools", "get", "warehouse")[0]["slots"] == 2
    assert "cannot be deleted" in invoke(runner, "pools", "delete", "default_pool", code=1).stderr


def test_bad_import_file_is_refused(runner, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"x": 3}')
    assert "expected" in invoke(runner, "pools", "import", str(bad), code=1).stderr


def test_set_include_deferred_and_delete_prints_the_pool(runner):
    [pool] = invoke_json(runner, "pools", "set", "deferring", "3", "waits too", "--include-deferred")
    assert (pool["slots"], pool["include_deferred"]) == (3, True)
    [pool] = invoke_json(runner, "pools", "set", "deferring", "4")
    assert (pool["slots"], pool["include_deferred"], pool["description"]) == (4, False, "waits too")
    [gone] = invoke_json(runner, "pools", "delete", "deferring")
    assert gone["pool"] == "deferring" and gone["slots"] == 4
    assert "deferring" not in {p["pool"] for p in invoke_json(runner, "pools", "list")}
