"""The DAG list: the seed DAGs, search and filters, the import-error banner, the pause toggle,
and what a Viewer may not do."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

import pytest

from .conftest import bench_api, login, shoot, shoot_both

LOADING = ("parallel_data_processing", "parallel_notifications", "parallel_dependencies", "parallel_multiprocessing",
           "dynamic_task_mapping_demo", "parallel_tasks_example")
FAILING = ("seed001_parallel_example.py", "seed003_etl_pipeline.py", "seed003_production_etl_v2.py",
           "seed003_parallel_etl.py", "seed004_parallel_dag.py")


@pytest.fixture(scope="module")
def seeded(standalone):
    """The standalone once every seed file is parsed: its DAGs recorded, its import errors too."""
    for dag_id in LOADING:
        standalone.wait_for_dag(dag_id)
    with standalone.client() as client:
        deadline = time.monotonic() + 60
        while True:
            errors = client.get("/api/v2/importErrors", params={"limit": 100}).json()["import_errors"]
            if {e["filename"].rsplit("/", 1)[-1] for e in errors} >= set(FAILING):
                break
            assert time.monotonic() < deadline, errors
            time.sleep(0.3)
    return standalone




def listed(page) -> list[str]:
    return page.get_by_test_id("dag-row").evaluate_all("rows => rows.map(r => r.dataset.dagId)")


def wait_listed(page, expected: list[str]) -> None:
    page.wait_for_function(
        "ids => JSON.stringify([...document.querySelectorAll('[data-testid=dag-row]')].map(r => r.dataset.dagId))"
        " === JSON.stringify(ids)", arg=sorted(expected))


def finished_runs(standalone, dag_id: str, count: int) -> list[str]:
    """Trigger ``count`` runs of ``dag_id`` and wait for them to end; their run ids, oldest first."""
    with standalone.client() as client:
        run_ids = [client.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None}).raise_for_status()
                   .json()["dag_run_id"] for _ in range(count)]
        deadline = time.monotonic() + 60
        while any(client.get(f"/api/v2/dags/{dag_id}/dagRuns/{r}").json()["state"] not in ("success", "failed")
                  for r in run_ids):
            assert time.monotonic() < deadline, f"the runs of {dag_id} did not end"
            time.sleep(0.3)
    return run_ids


def test_the_seed_dags_are_listed_and_search_and_tags_narrow_the_list(page, seeded):
    run_ids = finished_runs(seeded, "parallel_tasks_example", 2)
    login(page, seeded)
    page.get_by_test_id("dag-row").first.wait_for()
    wait_listed(page, list(LOADING))
    assert page.get_by_test_id("dag-total").inner_text() == f"1–{len(LOADING)} of {len(LOADING)} DAGs"
    row = page.locator("[data-dag-id=parallel_data_processing]")
    assert "data-team" in row.inner_text() and "tutorial" in row.inner_text()
    display = page.locator("[data-dag-id=dynamic_task_mapping_demo]")
    assert "Dynamic Task Mapping Demo" in display.get_by_test_id("dag-link").inner_text()
    assert page.get_by_test_id("dag-counts").is_visible()
    squares = page.locator("[data-dag-id=parallel_tasks_example] [data-testid=recent-runs] a")
    squares.nth(1).wait_for()
    assert squares.count() == 2
    newest = squares.nth(1)  # newest last
    assert newest.locator(".state-square").get_attribute("data-state") == "success"
    assert newest.get_attribute("href").endswith(f"/dags/parallel_tasks_example?run_id={quote(run_ids[1], safe='')}")
    shoot_both(page, "dag-list")

    page.get_by_test_id("dag-search").fill("notif")
    wait_listed(page, ["parallel_notifications"])
    assert "search=notif" in page.url
    page.get_by_test_id("dag-search").fill("DYNAMIC TASK")  # the display name matches too
    wait_listed(page, ["dynamic_task_mapping_demo"])
    page.get_by_test_id("dag-search").fill("")
    wait_listed(page, list(LOADING))

    page.get_by_label("Tag", exact=True).select_option("tutorial")
    wait_listed(page, ["parallel_data_processing"])
    page.get_by_label("Tag", exact=True).select_option("notifications")  # tags: any of them
    wait_listed(page, ["parallel_data_processing", "parallel_notifications"])
    page.get_by_role("button", name="Remove tag tutorial").click()
    wait_listed(page, ["parallel_notifications"])
    page.get_by_role("button", name="Remove tag notifications").click()
    page.get_by_label("Owner", exact=True).select_option("data-team")
    wait_listed(page, ["parallel_data_processing", "parallel_notifications"])

    page.get_by_test_id("dag-link").first.click()
    page.wait_for_url(re.compile(r"/dags/parallel_data_processing$"))


def test_the_import_error_banner_names_each_failing_file_with_its_line_and_traceback(page, seeded):
    login(page, seeded)
    banner = page.get_by_test_id("import-errors")
    assert re.search(rf"{len(FAILING)} DAG files fail to load", banner.inner_text())
    page.get_by_test_id("import-errors-toggle").click()
    files = page.get_by_test_id("import-error").evaluate_all("items => items.map(i => i.dataset.file)")
    assert sorted(files) == sorted(FAILING)
    etl = page.locator("[data-testid=import-error][data-file='seed003_etl_pipeline.py']")
    assert etl.get_by_test_id("import-error-summary").inner_text() == "NameError: name 'timedelta' is not defined"
    assert etl.get_by_test_id("import-error-line").inner_text() == ", line 14"
    production = page.locator("[data-testid=import-error][data-file='seed003_production_etl_v2.py']")
    assert production.get_by_test_id("import-error-line").inner_text() == ", line 15"
    hint = page.locator("[data-testid=import-error][data-file='seed004_parallel_dag.py']")
    assert "Did you mean: 'task_1'?" in hint.get_by_test_id("import-error-summary").inner_text()
    assert hint.get_by_test_id("import-error-line").inner_text() == ", line 31"
    cycle = page.locator("[data-testid=import-error][data-file='seed001_parallel_example.py']")
    assert "task_c" in cycle.inner_text()
    etl.get_by_role("button", name="Traceback").click()
    trace = etl.get_by_test_id("import-error-trace").inner_text()
    assert "Traceback (most recent call last)" in trace and 'seed003_etl_pipeline.py", line 14' in trace
    etl.scroll_into_view_if_needed()
    shoot_both(page, "dag-list-import-errors")


def test_a_paused_dag_is_unpaused_with_the_toggle_in_the_list(page, seeded):
    with seeded.client() as client:
        client.patch("/api/v2/dags/parallel_data_processing", json={"is_paused": True}).raise_for_status()
        login(page, seeded)
        toggle = page.locator("[data-dag-id=parallel_data_processing]").get_by_test_id("pause-toggle")
        assert not toggle.is_checked() and toggle.is_enabled()
        page.get_by_role("button", name="Paused", exact=True).click()
        wait_listed(page, ["parallel_data_processing"])
        page.get_by_role("button", name="All", exact=True).click()
        wait_listed(page, list(LOADING))
        toggle.click()
        page.wait_for_function(
            "() => document.querySelector('[data-dag-id=parallel_data_processing] [data-testid=pause-toggle]')?.checked")
        deadline = time.monotonic() + 10
        while client.get("/api/v2/dags/parallel_data_processing").json()["is_paused"]:
            assert time.monotonic() < deadline, "the toggle did not unpause the DAG"
            time.sleep(0.2)
        page.get_by_role("button", name="Paused", exact=True).click()
        wait_listed(page, [])


def test_a_viewer_can_pause_nothing_and_trigger_nothing(page, seeded):
    made = seeded.cli("users", "create", "--username", "vera", "--role", "Viewer", "--password", "vera-password-1")
    assert made.returncode == 0 or "exists" in (made.stdout + made.stderr), made.stderr
    login(page, seeded, "vera", "vera-password-1")
    assert page.get_by_test_id("who").inner_text() == "vera (Viewer)"
    page.get_by_test_id("dag-row").first.wait_for()
    wait_listed(page, list(LOADING))
    toggles = page.get_by_test_id("pause-toggle")
    assert toggles.count() == len(LOADING)
    assert all(toggles.nth(i).is_disabled() for i in range(toggles.count()))
    shoot(page, "dag-list-viewer")
    page.goto(seeded.url + "/dags/parallel_data_processing")
    page.get_by_test_id("dag-title").wait_for()
    assert page.get_by_test_id("trigger-button").count() == 0
    page.goto(seeded.url + "/admin/pools")
    page.get_by_test_id("pool-row").first.wait_for()
    assert page.get_by_test_id("add-button").count() == 0 and page.get_by_test_id("edit-button").count() == 0




def test_a_thousand_dags_are_paged(page, tmp_path):
    """1,000 DAGs (and the bench's two big ones) straight in a store, served by an api-server: the
    list shows 50 of them a page, with the total."""
    from .conftest import start_api_server, stop_standalone

    bench = bench_api()
    Sizes, build_store = bench.Sizes, bench.build_store

    (tmp_path / "dags").mkdir()
    build_store(tmp_path, Sizes(dags=1000, tasks=10, runs=3, mapped=10))
    server = start_api_server(tmp_path)
    try:
        login(page, server)
        page.get_by_test_id("dag-row").first.wait_for()
        assert page.get_by_test_id("dag-row").count() == 50
        assert page.get_by_test_id("dag-total").inner_text() == "1–50 of 1002 DAGs"
        page.get_by_role("button", name="Next ›").click()
        page.wait_for_url(re.compile(r"page=2"))
        page.wait_for_function("() => document.querySelector('[data-testid=dag-row]')?.dataset.dagId === 'bench_dag_0050'")
        assert page.get_by_test_id("dag-total").inner_text() == "51–100 of 1002 DAGs"
        page.get_by_test_id("dag-search").fill("bench_wide")
        wait_listed(page, ["bench_wide"])
        squares = page.locator("[data-dag-id=bench_wide] [data-testid=recent-runs] .state-square")
        assert squares.evaluate_all("s => s.map(x => x.dataset.state)") == ["success", "success", "running"]
        shoot(page, "dag-list-bench")
    finally:
        stop_standalone(server)
