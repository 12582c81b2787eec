"""The web UI's speed, measured in the browser (issue 12, item 4): these tests check what they
load and record the times (conftest.record); they assert no time."""

from __future__ import annotations

import os
import shutil
import socket
import time
from pathlib import Path

from .conftest import login, record, start_standalone, stop_standalone


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for_port(port: int, started: float) -> None:
    """Until standalone binds its port (it listens from then on: the browser's request queues)."""
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except ConnectionRefusedError:
            if time.monotonic() - started > 20:
                raise
            time.sleep(0.005)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of the process and its children that ended, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def test_dag_list_paints_soon_after_standalone_starts(browser, seed_dags, tmp_path):
    """From `slipstream standalone` starting (a store that already knows its DAGs, a browser that
    is logged in: the second start of the day) to the DAG list showing its rows."""
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    for path in seed_dags.glob("*.py"):
        shutil.copy(path, home / "dags" / path.name)
    port = _free_port()
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    first = start_standalone(home, port=port)
    try:
        first.wait_for_dag("parallel_data_processing")
        login(page, first)
        page.get_by_text("parallel_data_processing").first.wait_for()
    finally:
        stop_standalone(first)

    started, started_wall = time.monotonic(), time.time()
    second = start_standalone(home, port=port, wait=False)
    try:
        _wait_for_port(port, started)
        page.goto(f"http://127.0.0.1:{port}/dags", timeout=20000)
        page.get_by_text("parallel_data_processing").first.wait_for(timeout=20000)
        # The page's own mark, in the wall clock: Playwright's waiting polls up to every 500 ms.
        painted = page.evaluate("performance.timeOrigin + performance.getEntriesByName('slipstream:dag-list-rows')[0].startTime")
        record("dag list painted after standalone start", painted - started_wall * 1000)
        idle = _tab_cost(second.process.pid, page, f"http://127.0.0.1:{port}/dags/parallel_data_processing")
        record("server CPU, idle, no tab open (10 s)", idle["without"] * 100, "% of a CPU")
        record("server CPU, idle, grid tab open (10 s)", idle["with"] * 100, "% of a CPU")
    finally:
        stop_standalone(second)
        context.close()


def _tab_cost(pid: int, page, url: str, seconds: float = 10) -> dict[str, float]:
    page.goto("about:blank")
    time.sleep(2)
    before = _cpu_seconds(pid)
    time.sleep(seconds)
    without = (_cpu_seconds(pid) - before) / seconds
    page.goto(url)
    page.wait_for_load_state("networkidle")
    before = _cpu_seconds(pid)
    time.sleep(seconds)
    return {"without": without, "with": (_cpu_seconds(pid) - before) / seconds}


PAGES = [
    ("DAG list", "/dags", '[data-testid="dag-row"]'),
    ("Grid", "/dags/parallel_data_processing", '[data-testid="grid-row"]'),
    ("Graph", "/dags/parallel_data_processing/graph", '[data-testid^="graph-node-"][data-state="success"]'),
    ("Gantt", "/dags/parallel_data_processing/gantt", '[data-testid="gantt-row"]'),
    ("Task durations", "/dags/parallel_data_processing/durations", '[data-testid="durations-row"]'),
    ("Code", "/dags/parallel_data_processing/code", '[data-testid="code-line"]'),
    ("Details", "/dags/parallel_data_processing/details", '[data-testid="details-view"]'),
    ("Run", "/dags/parallel_data_processing/runs/{run}", '[data-testid="run-state"]'),
    ("Task instance log", "/dags/parallel_data_processing/runs/{run}/tasks/extract_sales_data", ".log-line"),
    ("Pools", "/admin/pools", '[data-testid="pool-row"]'),
    ("Variables", "/admin/variables", '[data-testid="variables-page"]'),
    ("Connections", "/admin/connections", '[data-testid="connections-page"]'),
    ("Users", "/admin/users", '[data-testid="user-row"]'),
    ("Assets", "/assets", '[data-testid="assets-page"]'),
]


def _shown_at(page, selector: str) -> float:
    """performance.now() of the first animation frame where ``selector`` is on the page."""
    found = page.wait_for_function("sel => document.querySelector(sel) && performance.now()", arg=selector,
                                   polling="raf", timeout=20000)
    return found.json_value()


def test_every_page_settles(page, standalone):
    """Each page loaded afresh (the bundle in the browser's cache, as on a second visit): from the
    navigation's start to its content on screen, for a DAG with one finished run."""
    from urllib.parse import quote

    standalone.wait_for_dag("parallel_data_processing")
    with standalone.client() as client:
        run = client.post("/api/v2/dags/parallel_data_processing/dagRuns", json={"logical_date": None}).json()
        deadline = time.monotonic() + 90
        path = f"/api/v2/dags/parallel_data_processing/dagRuns/{quote(run['dag_run_id'], safe='')}"
        while client.get(path).json()["state"] != "success":
            assert time.monotonic() < deadline, "the seed run did not succeed in 90 s"
            time.sleep(0.5)
    login(page, standalone)
    for name, url, selector in PAGES:
        page.goto(standalone.url + url.format(run=quote(run["dag_run_id"], safe="")))
        _shown_at(page, selector)
        page.reload()  # the first visit warmed the bundle cache; time the second
        record(f"page settled: {name}", _shown_at(page, selector))
    page.goto(standalone.url + "/dags/dynamic_task_mapping_demo")
    page.get_by_test_id("trigger-button").wait_for()
    clicked = page.evaluate("performance.now()")
    page.get_by_test_id("trigger-button").click()
    record("trigger form open after the click", _shown_at(page, '[data-testid="trigger-form"] select') - clicked)
