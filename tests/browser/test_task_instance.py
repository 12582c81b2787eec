"""The task instance page: a running try's log arriving live, line links, ANSI colours, rendered
templates, XComs, a mapped task's instances by name, and the table of 100,000 mapped instances."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from .conftest import Standalone, bench_api, login, record, shoot_both, start_api_server, stop_standalone

DEMO = '''
from datetime import datetime
from airflow import DAG
from airflow.decorators import task
from airflow.operators.bash import BashOperator

with DAG("ui_ti_demo", schedule=None, start_date=datetime(2024, 1, 1), catchup=False, tags=["ui"]):
    colours = BashOperator(
        task_id="colours",
        bash_command="printf '\\\\033[31mred alert\\\\033[0m then \\\\033[32mall green\\\\033[0m\\\\n'; "
                     "echo 'size is {{ params.size }} in {{ run_id }}'",
        params={"size": 5},
    )

    @task
    def push(ti=None):
        ti.xcom_push(key="answer", value={"rows": 42, "ok": True})
        print("\\033[34mblue line\\033[0m <b>not bold</b>")
        return ["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05"]

    @task(map_index_template="{{ 'Partition: ' ~ task.op_kwargs['day'] }}")
    def part(day):
        print(f"processing {day}")
        return day

    colours >> part.expand(day=push())

    @task
    def chatty():
        for i in range(1, 100_001):
            print(f"chatty line {i} " + "x" * (i % 50))

    chatty()
'''




def ti_url(server: Standalone, dag_id: str, run_id: str, task_id: str, map_index: int | None = None) -> str:
    from urllib.parse import quote

    url = f"{server.url}/dags/{dag_id}/runs/{quote(run_id, safe='')}/tasks/{task_id}"
    return url if map_index is None else f"{url}/mapped/{map_index}"




def wait_state(client: Any, path: str, wanted: set[str], timeout: float = 90) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = client.get(path).json()
        if found.get("state") in wanted:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} is {found.get('state')}, not {wanted}")
        time.sleep(0.2)


def trigger(client: Any, dag_id: str) -> str:
    client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()
    response = client.post(f"/api/v2/dags/{dag_id}/dagRuns", json={"logical_date": None})
    response.raise_for_status()
    return response.json()["dag_run_id"]


def test_a_running_try_s_log_arrives_live_then_line_links(page, standalone):
    standalone.wait_for_dag("parallel_data_processing")
    with standalone.client() as client:
        run_id = trigger(client, "parallel_data_processing")
        tis = f"/api/v2/dags/parallel_data_processing/dagRuns/{run_id}/taskInstances"
        wait_state(client, f"{tis}/extract_customer_data", {"running"})
    login(page, standalone)
    page.goto(ti_url(standalone, "parallel_data_processing", run_id, "extract_customer_data"))
    view = page.get_by_test_id("log-scroller")
    # The task echoes, sleeps 7 s, echoes again: the first line is there while it runs...
    view.get_by_text("Extracting customer data...", exact=True).wait_for()
    assert page.get_by_test_id("log-live").is_visible()
    assert view.get_by_text("Customer data extracted!", exact=True).count() == 0
    shoot_both(page, "task-instance-log-live")
    # ...and the second comes without reloading, then the tail stops.
    view.get_by_text("Customer data extracted!", exact=True).wait_for(timeout=30000)
    page.get_by_test_id("log-live").wait_for(state="detached", timeout=30000)
    # The header polls the state on its own pace: it says success within a poll or two.
    expect(page.locator(".state-badge").first).to_have_text("success", timeout=10000)
    page.get_by_test_id("try-1").wait_for()
    # Line links: clicking a number puts #L in the URL; opening #L3 highlights line 3.
    view.locator(".log-number", has_text=re.compile(r"^2$")).click()
    page.wait_for_url(re.compile(r"#L2$"))
    page.goto(ti_url(standalone, "parallel_data_processing", run_id, "extract_customer_data") + "#L3")
    highlighted = page.locator(".log-line.highlighted")
    highlighted.wait_for()
    assert highlighted.get_attribute("data-line") == "3"
    assert page.locator(".log-line.highlighted .log-number").inner_text() == "3"
    shoot_both(page, "task-instance-log")
    # Details tab.
    page.get_by_test_id("tab-details").click()
    assert "extract_customer_data" in page.get_by_test_id("ti-details").inner_text()
    shoot_both(page, "task-instance-details")


@pytest.fixture(scope="module")
def demo_run(standalone: Standalone) -> str:
    (standalone.home / "dags" / "ui_ti_demo.py").write_text(DEMO)
    standalone.wait_for_dag("ui_ti_demo", timeout=60)
    with standalone.client() as client:
        run_id = trigger(client, "ui_ti_demo")
        wait_state(client, f"/api/v2/dags/ui_ti_demo/dagRuns/{run_id}", {"success", "failed"}, timeout=120)
    return run_id


def test_colours_templates_xcoms_and_named_mapped_instances(page, standalone, demo_run):
    login(page, standalone)
    page.goto(ti_url(standalone, "ui_ti_demo", demo_run, "colours"))
    view = page.get_by_test_id("log-scroller")
    red = view.locator("span[style]", has_text="red alert")
    red.wait_for()
    assert "rgb(" in red.get_attribute("style")
    assert view.locator("span[style]", has_text="all green").count() == 1
    line = view.locator(".log-line", has=page.locator("span[style]", has_text="red alert")).inner_text()
    assert "red alert then all green" in line
    assert "\x1b" not in line and "[31m" not in line and "[0m" not in line
    shoot_both(page, "task-instance-ansi")

    page.get_by_test_id("tab-rendered").click()
    fields = page.get_by_test_id("rendered-fields")
    fields.wait_for()
    command = fields.locator('[data-field="bash_command"]')
    assert f"size is 5 in {demo_run}" in command.inner_text()
    assert command.locator("pre").count() == 1  # monospaced
    shoot_both(page, "task-instance-rendered")

    page.goto(ti_url(standalone, "ui_ti_demo", demo_run, "push") + "?tab=xcoms")
    xcoms = page.get_by_test_id("xcoms")
    xcoms.wait_for()
    answer = xcoms.locator('tr[data-key="answer"]').inner_text()
    assert '"rows": 42' in answer and '"ok": true' in answer
    assert "2024-01-05" in xcoms.locator('tr[data-key="return_value"]').inner_text()
    shoot_both(page, "task-instance-xcoms")
    page.get_by_test_id("tab-logs").click()
    blue = page.get_by_test_id("log-scroller").locator("span[style]", has_text="blue line")
    blue.wait_for()
    assert page.get_by_test_id("log-scroller").locator("b").count() == 0  # escaped, not HTML

    page.goto(ti_url(standalone, "ui_ti_demo", demo_run, "part"))
    table = page.get_by_test_id("mapped-table")
    table.get_by_test_id("mapped-row").first.wait_for()
    assert page.get_by_test_id("mapped-total").inner_text() == "5"
    assert page.get_by_test_id("mapped-counts").inner_text().strip() == "success 5"
    rows = table.get_by_test_id("mapped-row")
    assert rows.count() == 5
    assert [rows.nth(i).locator(".mapped-name").inner_text() for i in range(5)] == [
        f"Partition: 2024-01-0{i}" for i in range(1, 6)
    ]
    shoot_both(page, "task-instance-mapped")
    rows.nth(2).click()
    page.wait_for_url(re.compile(r"/tasks/part/mapped/2$"))
    assert page.get_by_test_id("ti-map-name").inner_text() == "Partition: 2024-01-03"
    page.get_by_test_id("log-scroller").get_by_text("processing 2024-01-03", exact=True).wait_for()


@pytest.fixture(scope="module")
def big_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Standalone]:
    bench = bench_api()
    home = tmp_path_factory.mktemp("big-mapped")
    bench.build_store(home, bench.Sizes(dags=2, tasks=10, runs=1, mapped=100_000))
    server = start_api_server(home)
    try:
        yield server
    finally:
        stop_standalone(server)
        shutil.rmtree(home, ignore_errors=True)


def test_a_task_mapped_100000_ways_pages_its_table(page, big_store):
    login(page, big_store)
    page.goto(f"{big_store.url}/dags/bench_mapped/runs/run_000/tasks/work")
    page.get_by_test_id("mapped-row").first.wait_for()
    marked = page.evaluate("performance.getEntriesByName('slipstream:mapped-rows')[0].startTime")
    assert page.get_by_test_id("mapped-total").inner_text() == "100,000"
    assert page.get_by_test_id("mapped-page").inner_text() == "Page 1 of 1,000"
    page.get_by_test_id("mapped-counts").get_by_text("success 100,000").wait_for()
    in_dom = page.get_by_test_id("mapped-row").count()
    assert 0 < in_dom < 100  # a window of the page's 100 rows
    shoot_both(page, "task-instance-mapped-100000")

    before = page.evaluate("performance.now()")
    page.get_by_test_id("mapped-last").click()
    page.locator('[data-testid="mapped-row"][data-map-index="99900"]').wait_for()
    page.get_by_test_id("mapped-scroller").evaluate("el => { el.scrollTop = el.scrollHeight; }")
    page.locator('[data-testid="mapped-row"][data-map-index="99999"]').wait_for()
    last = page.evaluate("performance.now()") - before
    assert page.get_by_test_id("mapped-page").inner_text() == "Page 1,000 of 1,000"

    page.get_by_test_id("mapped-jump").fill("500")
    page.get_by_role("button", name="Go", exact=True).click()
    page.locator('[data-testid="mapped-row"][data-map-index="49900"]').wait_for()
    record("mapped task of 100,000: first page painted after navigation", marked)
    record("mapped task of 100,000: last page (map index 99,999) shown", last)


def test_a_log_of_100000_lines_keeps_a_window_in_the_page(page, standalone, demo_run):
    login(page, standalone)
    page.goto(ti_url(standalone, "ui_ti_demo", demo_run, "chatty") + "#L100000")
    highlighted = page.locator(".log-line.highlighted")
    highlighted.wait_for(timeout=30000)
    assert "chatty line 99999 " in highlighted.inner_text()  # line 1 is the task runner's
    loaded = page.evaluate("performance.now()")
    count = int(page.get_by_test_id("log-line-count").inner_text().split()[0].replace(",", ""))
    assert count > 100_000  # the task runner's lines around the prints
    assert page.locator(".log-line").count() < 200
    view = page.get_by_test_id("log-scroller")
    view.evaluate("el => { el.scrollTop = el.scrollHeight / 2; }")
    page.locator(".log-line", has_text=re.compile(r"chatty line 5\d{4} ")).first.wait_for()
    assert page.locator(".log-line").count() < 200
    shoot_both(page, "task-instance-log-100000")
    record("log of 100,000 lines: read and line 100,000 shown after navigation", loaded)
