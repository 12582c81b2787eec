"""The DAG page's Grid, Gantt and Task durations views, on a real standalone running the seed
`parallel_data_processing`, and the grid of a DAG of 1,000 tasks x 25 runs (virtualised rows)."""

from __future__ import annotations

import time
from urllib.parse import quote

import pytest

from .conftest import bench_api, login, record, shoot, start_api_server, stop_standalone

DAG = "parallel_data_processing"
EXTRACTS = ("extract_sales_data", "extract_customer_data", "extract_inventory_data")
TASKS = ("start_pipeline", *EXTRACTS, "process_sales_data", "process_customer_data", "process_inventory_data",
         "combine_all_data", "end_pipeline")


def _shoot_both_themes(page, name: str) -> None:
    shoot(page, f"{name}-light" if page.evaluate("document.documentElement.dataset.theme") != "dark" else f"{name}-dark")


def _set_theme(page, theme: str) -> None:
    if page.evaluate("document.documentElement.dataset.theme") != theme:
        page.get_by_role("button", name="Toggle dark theme").click()


def test_grid_turns_green_live_and_gantt_shows_parallel_extracts(page, standalone):
    standalone.wait_for_dag(DAG)
    with standalone.client() as client:
        client.patch(f"/api/v2/dags/{DAG}", json={"is_paused": False}).raise_for_status()
        # Two runs at once: the grid shows both, the durations chart has two points per task.
        run_ids = []
        for _ in range(2):
            answer = client.post(f"/api/v2/dags/{DAG}/dagRuns", json={"logical_date": None})
            assert answer.status_code == 200, answer.text
            run_ids.append(answer.json()["dag_run_id"])
        run_id = run_ids[0]
    run = quote(run_id, safe="")

    login(page, standalone)
    page.goto(f"{standalone.url}/dags/{DAG}")
    page.locator(f'[data-testid="grid-run"][data-run-id="{run_id}"]').wait_for()
    shown = page.get_by_test_id("grid-row").evaluate_all("rows => rows.map(r => r.dataset.taskId)")
    assert set(TASKS) <= set(shown)
    assert page.get_by_test_id("grid-run").evaluate_all("bars => bars.map(b => b.dataset.runId)") == run_ids
    assert page.get_by_test_id("run-strip").get_attribute("data-run-id") == run_ids[1]  # the newest by default

    # Live: every task's cell of the run turns green without a reload.
    cells = f'[data-testid="grid-cell"][data-run-id="{run_id}"]'
    page.wait_for_function(
        """([selector, count]) => {
            const cells = [...document.querySelectorAll(selector)];
            return cells.length >= count && cells.every(c => c.dataset.state === "success");
        }""",
        arg=[cells, len(TASKS)],
        timeout=90_000,
    )
    run_bar = page.locator(f'[data-testid="grid-run"][data-run-id="{run_id}"]')
    page.wait_for_function(
        "selector => document.querySelector(selector).dataset.state === 'success'",
        arg=f'[data-testid="grid-run"][data-run-id="{run_id}"]', timeout=30_000,
    )
    assert run_bar.get_attribute("data-state") == "success"
    page.wait_for_function(
        "selector => document.querySelector(selector).dataset.state === 'success'",
        arg=f'[data-testid="grid-run"][data-run-id="{run_ids[1]}"]', timeout=60_000,
    )

    # Clicking a cell opens that task instance.
    page.locator(f'[data-testid="grid-row"][data-task-id="extract_sales_data"] {cells}').click()
    page.wait_for_url(f"**/dags/{DAG}/runs/**/tasks/extract_sales_data")
    page.go_back()

    # The Gantt of the run: three extract bars that overlap in time.
    page.goto(f"{standalone.url}/dags/{DAG}/gantt?run_id={run}")
    page.get_by_test_id("gantt-canvas").wait_for()
    bars = {}
    for task_id in EXTRACTS:
        row = page.locator(f'[data-testid="gantt-row"][data-task-id="{task_id}"]')
        assert row.count() == 1
        assert row.get_attribute("data-state") == "success"
        bars[task_id] = (float(row.get_attribute("data-start")), float(row.get_attribute("data-end")))
    latest_start = max(start for start, _ in bars.values())
    earliest_end = min(end for _, end in bars.values())
    assert latest_start < earliest_end, f"the extract tasks ran one after the other: {bars}"
    print(f"\ngantt extract bars (ms since the first start): "
          f"{ {t: (s - min(b[0] for b in bars.values()), e - min(b[0] for b in bars.values())) for t, (s, e) in bars.items()} }")

    for theme in ("light", "dark"):
        _set_theme(page, theme)
        page.goto(f"{standalone.url}/dags/{DAG}?run_id={run}")
        page.get_by_test_id("grid-row").first.wait_for()
        shoot(page, f"grid-{theme}")
        page.goto(f"{standalone.url}/dags/{DAG}/gantt?run_id={run}")
        page.get_by_test_id("gantt-canvas").wait_for()
        page.wait_for_timeout(300)  # the canvas paints after layout
        shoot(page, f"gantt-{theme}")
        page.goto(f"{standalone.url}/dags/{DAG}/durations")
        page.get_by_test_id("durations-table").wait_for()
        assert page.locator('[data-testid="durations-row"][data-task-id="extract_customer_data"]').count() == 1
        page.wait_for_timeout(300)
        shoot(page, f"durations-{theme}")


@pytest.fixture(scope="module")
def big_server(tmp_path_factory):
    bench = bench_api()
    Sizes, build_store = bench.Sizes, bench.build_store

    home = tmp_path_factory.mktemp("big_grid")
    started = time.monotonic()
    build_store(home, Sizes(dags=3, tasks=1000, runs=25, mapped=10))
    print(f"\nbig store built in {time.monotonic() - started:.1f} s")
    server = start_api_server(home)
    try:
        yield server
    finally:
        stop_standalone(server)


def test_grid_of_1000_tasks_renders_a_window_and_scrolls_to_the_end(page, big_server):
    login(page, big_server)
    page.goto(f"{big_server.url}/dags/bench_wide")
    page.get_by_test_id("grid-row").first.wait_for()
    timing = page.evaluate("""() => {
        const mark = performance.getEntriesByName("slipstream:grid-rendered")[0];
        const grid = performance.getEntriesByType("resource").find(e => e.name.includes("/ui/grid/"));
        return {rendered: mark ? mark.startTime : null, grid_request: grid ? grid.duration : null,
                grid_bytes: grid ? grid.transferSize : null};
    }""")
    record("grid 1,000 tasks x 25 runs: rows painted after navigation", timing["rendered"])
    record("grid 1,000 tasks x 25 runs: /ui/grid answer", timing["grid_request"])
    assert page.get_by_test_id("grid-run").count() == 25
    in_dom = page.get_by_test_id("grid-row").count()
    assert 10 < in_dom < 150, f"{in_dom} rows in the DOM: not virtualised"
    shoot(page, "grid-1000-tasks")

    table = page.get_by_test_id("grid-table")
    started = page.evaluate("performance.now()")
    table.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    last = page.locator('[data-testid="grid-row"][data-task-id="group_09.task_099"]')
    last.wait_for()
    scrolled = page.evaluate("performance.now()") - started
    record("grid 1,000 tasks x 25 runs: scrolled to the last row", scrolled)
    assert page.get_by_test_id("grid-row").count() < 150
    assert last.is_visible()
    shoot(page, "grid-1000-tasks-bottom")

    # Collapsing the first group hides its 100 rows: the second group's follow it at once.
    table.evaluate("el => { el.scrollTop = 0; }")
    page.get_by_role("button", name="Collapse group group_00").click()
    page.locator('[data-testid="grid-row"][data-task-id="group_01.task_000"]').wait_for()
    assert page.locator('[data-testid="grid-row"][data-task-id="group_00.task_000"]').count() == 0


def test_mapped_counts_and_durations_over_the_big_store(page, big_server):
    login(page, big_server)
    page.goto(f"{big_server.url}/dags/bench_mapped")
    count = page.get_by_test_id("mapped-count").first
    count.wait_for()
    assert count.inner_text() == "10"
    assert "10" in page.get_by_test_id("grid-cell").first.get_attribute("title")
    shoot(page, "grid-mapped")

    page.goto(f"{big_server.url}/dags/bench_wide/durations")
    page.get_by_test_id("durations-table").wait_for()
    assert "1000 tasks" in page.get_by_test_id("durations-view").inner_text()
    took = page.evaluate("""() => {
        const found = performance.getEntriesByType("resource").find(e => e.name.includes("/ui/durations/"));
        return found ? found.duration : null;
    }""")
    print(f"\nbench_wide task durations (1,000 tasks x 25 runs): /ui/durations answered in {took:.0f} ms")
    shoot(page, "durations-1000-tasks")
