"""The DAG page's Graph, Code and Details views: the seed DAG's graph turning green live while a
run runs, task groups collapsing, edge labels, setup/teardown marks, the highlighted source and
the rendered doc_md; and a graph of 1,000 tasks on a big store."""

from __future__ import annotations

import os
import re
import sys
import textwrap
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from .conftest import REPO, login, shoot, start_api_server, stop_standalone

SEED = "parallel_data_processing"
SHOWCASE = "graph_showcase"
SHOWCASE_SOURCE = '''
from datetime import datetime

from airflow.sdk import DAG, Param, TaskGroup, task
from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.utils.edgemodifier import Label

with DAG(
    dag_id="graph_showcase",
    start_date=datetime(2024, 1, 1),
    schedule=None,
    description="Every feature of the graph view in one DAG",
    doc_md="""
    # Graph showcase

    A DAG with **a task group**, an edge `Label`, a *setup* and its *teardown*, and a mapped task.

    - see the [Airflow docs](https://airflow.apache.org/docs/)
    - `double` runs three times

    <script>window.__docScript = true</script>
    <p onclick="window.__docClick = true">Written by the data team.</p>
    """,
    tags=["ui", "showcase"],
    default_args={"owner": "alice"},
    owner_links={"alice": "mailto:alice@example.com"},
    params={
        "size": Param(10, type="integer", description="How many rows to make"),
        "mode": Param("fast", enum=["fast", "slow"], description="How hard to try"),
    },
    max_active_runs=2,
) as dag:
    start = EmptyOperator(task_id="start")
    create = EmptyOperator(task_id="create_cluster").as_setup()
    with TaskGroup("process", tooltip="the work") as process:
        first = EmptyOperator(task_id="first")
        second = EmptyOperator(task_id="second")
        first >> second

    @task
    def double(x):
        return 2 * x

    doubled = double.expand(x=[1, 2, 3])
    delete = EmptyOperator(task_id="delete_cluster").as_teardown(setups=create)
    start >> Label("go") >> create >> process >> doubled >> delete
'''


def _task_ids(nodes):
    for node in nodes:
        if node["type"] == "task":
            yield node["id"]
        yield from _task_ids(node.get("children") or [])


def _theme(page, theme: str) -> None:
    if page.evaluate("document.documentElement.dataset.theme") != theme:
        page.get_by_role("button", name="Toggle dark theme").click()
    assert page.evaluate("document.documentElement.dataset.theme") == theme


@pytest.fixture(scope="module")
def showcase(standalone) -> str:
    path = standalone.home / "dags" / f"{SHOWCASE}.py"
    partial = path.with_name(f".{SHOWCASE}.partial")
    partial.write_text(textwrap.dedent(SHOWCASE_SOURCE))
    os.replace(partial, path)
    standalone.wait_for_dag(SHOWCASE, timeout=60)
    return SHOWCASE


def test_graph_of_the_seed_dag_turns_green_live_while_a_run_runs(page, standalone):
    standalone.wait_for_dag(SEED)
    with standalone.client() as client:
        tasks = list(_task_ids(client.get(f"/ui/structure/{SEED}").json()["nodes"]))
        # Paused, a triggered run waits queued: the graph finds it before it starts.
        assert client.patch(f"/api/v2/dags/{SEED}", json={"is_paused": True}).status_code == 200
    assert len(tasks) == 9
    login(page, standalone)
    page.goto(f"{standalone.url}/dags/{SEED}/graph")
    expect(page.get_by_test_id("graph-canvas")).to_have_attribute("data-laid-out", "true")
    nodes = page.locator('[data-testid^="graph-node-"]')
    expect(nodes).to_have_count(len(tasks))
    for task_id in tasks:
        expect(page.get_by_test_id(f"graph-node-{task_id}")).to_be_visible()
        expect(page.get_by_test_id(f"graph-node-{task_id}")).to_have_attribute("data-state", "none")
    page.evaluate("window.__sameDocument = true")

    with standalone.client() as client:
        answer = client.post(f"/api/v2/dags/{SEED}/dagRuns", json={"logical_date": None})
        assert answer.status_code == 200, answer.text
        run_id = answer.json()["dag_run_id"]
    # The run shows up by polling (at the idle pace: nothing was running), queued.
    expect(page.get_by_test_id("graph-run-state")).to_have_attribute("data-state", "queued", timeout=30000)
    expect(page.get_by_test_id("run-picker")).to_contain_text("queued")
    page.get_by_test_id("pause-toggle").click()  # unpaused: the run starts
    expect(page.get_by_test_id("pause-toggle")).to_be_checked()

    running = page.locator('[data-testid^="graph-node-"][data-state="running"]')
    expect(running.first).to_be_visible(timeout=30000)
    shoot(page, "graph-running-light")
    _theme(page, "dark")
    shoot(page, "graph-running-dark")
    expect(page.get_by_test_id("graph-node-extract_sales_data")).not_to_have_attribute("data-state", "none")

    for task_id in tasks:
        expect(page.get_by_test_id(f"graph-node-{task_id}")).to_have_attribute("data-state", "success", timeout=60000)
    expect(page.get_by_test_id("graph-run-state")).to_have_attribute("data-state", "success", timeout=15000)
    shoot(page, "graph-success-dark")
    _theme(page, "light")
    shoot(page, "graph-success-light")
    assert page.evaluate("window.__sameDocument") is True, "the page was reloaded"

    # A task node opens its task instance in the shown run.
    page.get_by_test_id("graph-node-extract_sales_data").click()
    opened = f"/dags/{SEED}/runs/{quote(run_id, safe='')}/tasks/extract_sales_data"
    page.wait_for_url(lambda url: url.endswith(opened))


def test_task_group_collapses_and_expands_with_labels_and_setup_teardown_marked(page, standalone, showcase):
    login(page, standalone)
    page.goto(f"{standalone.url}/dags/{showcase}/graph")
    canvas = page.get_by_test_id("graph-canvas")
    expect(canvas).to_have_attribute("data-laid-out", "true")
    group = page.get_by_test_id("graph-group-process")
    # A small DAG: its groups start expanded, a frame around their tasks.
    expect(group).to_have_attribute("data-collapsed", "false")
    expect(page.get_by_test_id("graph-node-process.first")).to_be_visible()
    expect(page.get_by_test_id("graph-node-process.second")).to_be_visible()
    expect(page.get_by_test_id("graph-edge-label")).to_have_text("go")
    expect(page.get_by_test_id("graph-node-create_cluster").get_by_test_id("setup-mark")).to_be_visible()
    expect(page.get_by_test_id("graph-node-delete_cluster").get_by_test_id("teardown-mark")).to_be_visible()
    expect(page.get_by_test_id("graph-node-double").get_by_test_id("mapped-count")).to_be_visible()
    dashed = page.locator(".react-flow__edge.setup-teardown")
    expect(dashed).to_have_count(1)
    assert dashed.locator("path.react-flow__edge-path").evaluate("p => getComputedStyle(p).strokeDasharray") != "none"
    _theme(page, "light")
    shoot(page, "graph-groups-expanded-light")

    page.get_by_test_id("group-toggle-process").click()
    expect(group).to_have_attribute("data-collapsed", "true")
    expect(page.get_by_test_id("graph-node-process.first")).to_have_count(0)
    expect(group).to_contain_text("2 tasks")
    _theme(page, "dark")
    shoot(page, "graph-groups-collapsed-dark")
    page.get_by_test_id("group-toggle-process").click()
    expect(group).to_have_attribute("data-collapsed", "false")
    expect(page.get_by_test_id("graph-node-process.second")).to_be_visible()
    shoot(page, "graph-groups-expanded-dark")
    _theme(page, "light")

    # A run: the mapped task shows its three instances, the group its summed state.
    with standalone.client() as client:
        answer = client.post(f"/api/v2/dags/{showcase}/dagRuns", json={"logical_date": None})
        assert answer.status_code == 200, answer.text
        run_id = answer.json()["dag_run_id"]
    page.goto(f"{standalone.url}/dags/{showcase}/graph?run_id={quote(run_id, safe='')}")
    expect(page.get_by_test_id("graph-node-double")).to_have_attribute("data-state", "success", timeout=60000)
    expect(page.get_by_test_id("graph-node-double").get_by_test_id("mapped-count")).to_have_text("[3]")
    page.get_by_test_id("collapse-all").click()
    expect(group).to_have_attribute("data-state", "success")
    expect(page.get_by_test_id("run-picker")).to_have_value(run_id)


def test_code_view_highlights_the_seed_file(page, standalone):
    login(page, standalone)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(f"{standalone.url}/dags/{SEED}/code")
    line = page.get_by_test_id("code-line").filter(has_text="dag_id='parallel_data_processing'")
    expect(line).to_have_count(1)
    expect(line.locator(".hljs-string")).to_have_text("'parallel_data_processing'")
    expect(page.get_by_test_id("code-block").locator(".hljs-keyword").first).to_be_visible()
    expect(page.get_by_test_id("code-path")).to_contain_text("parallel_data_processing.py")
    number = line.locator(".code-no").inner_text()
    page.get_by_test_id("copy-code").click()
    expect(page.get_by_test_id("copy-code")).to_have_text("Copied")
    assert "dag_id='parallel_data_processing'" in page.evaluate("navigator.clipboard.readText()")
    _theme(page, "light")
    shoot(page, "code-light")
    _theme(page, "dark")
    shoot(page, "code-dark")
    _theme(page, "light")
    # Line links: #L12 marks and shows the line.
    page.goto(f"{standalone.url}/dags/{SEED}/code#L{number}")
    expect(page.locator(f"#L{number}")).to_have_class(re.compile("target"))


def test_details_view_renders_doc_md_params_and_owner_links(page, standalone, showcase):
    login(page, standalone)
    page.goto(f"{standalone.url}/dags/{showcase}/details")
    view = page.get_by_test_id("details-view")
    expect(view.locator(".markdown h1")).to_have_text("Graph showcase")
    expect(view.locator(".markdown strong")).to_have_text("a task group")
    expect(view.locator(".markdown a")).to_have_attribute("href", "https://airflow.apache.org/docs/")
    assert view.locator(".markdown script").count() == 0
    assert page.evaluate("window.__docScript || false") is False
    expect(view.locator(".markdown p", has_text="Written by the data team.")).not_to_have_attribute("onclick", re.compile(".*"))
    expect(page.get_by_test_id("details-description")).to_have_text("Every feature of the graph view in one DAG")
    expect(page.get_by_test_id("detail-schedule")).to_contain_text("None")
    expect(page.get_by_test_id("detail-max-active-runs")).to_contain_text("2")
    expect(page.get_by_test_id("detail-catchup")).to_contain_text("no")
    expect(page.get_by_test_id("detail-tags")).to_contain_text("showcase")
    expect(page.get_by_test_id("owner-link-alice")).to_have_attribute("href", "mailto:alice@example.com")
    expect(page.get_by_test_id("detail-file")).to_contain_text(f"{SHOWCASE}.py")
    size = page.get_by_test_id("param-size")
    expect(size).to_contain_text("10")
    expect(size).to_contain_text("integer")
    expect(size).to_contain_text("How many rows to make")
    expect(page.get_by_test_id("param-mode")).to_contain_text('one of "fast", "slow"')
    _theme(page, "light")
    shoot(page, "details-light")
    _theme(page, "dark")
    shoot(page, "details-dark")
    _theme(page, "light")


@pytest.fixture(scope="module")
def big_store(tmp_path_factory):
    """A store with ``bench_wide`` (1,000 tasks in 10 groups, 3 runs, the newest running) and
    ``bench_mapped`` (one task mapped 100,000 ways), served by an api-server alone."""
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))  # the repository root, for `bench`
    from bench import api as bench_api

    home = tmp_path_factory.mktemp("graph-big")
    bench_api.build_store(home, bench_api.Sizes(dags=1, tasks=1000, runs=3, mapped=100_000))
    server = start_api_server(home)
    try:
        yield server
    finally:
        stop_standalone(server)


def test_a_graph_of_1000_tasks_starts_collapsed_and_expands_a_group(page, big_store):
    login(page, big_store)
    page.goto(f"{big_store.url}/dags/bench_wide/graph")
    canvas = page.get_by_test_id("graph-canvas")
    expect(canvas).to_have_attribute("data-laid-out", "true")
    groups = page.locator('[data-testid^="graph-group-"]')
    expect(groups).to_have_count(10)
    expect(page.locator('[data-testid^="graph-node-"]')).to_have_count(0)
    # The newest run is running with its tasks undecided; the groups say so.
    expect(page.get_by_test_id("graph-group-group_00")).to_have_attribute("data-state", "none")
    expect(page.get_by_test_id("graph-group-group_00")).to_contain_text("100 tasks")
    shoot(page, "graph-1000-collapsed")
    page.get_by_test_id("group-toggle-group_03").click()
    expect(page.get_by_test_id("graph-group-group_03")).to_have_attribute("data-collapsed", "false")
    expect(canvas).to_have_attribute("data-laid-out", "true")
    expect(page.locator('[data-testid^="graph-node-group_03."]').first).to_be_attached()
    shoot(page, "graph-1000-one-group-expanded")
    # An older run: every task succeeded.
    page.get_by_test_id("run-picker").select_option("run_000")
    expect(page.get_by_test_id("graph-node-group_03.task_000")).to_have_attribute("data-state", "success")
    # All 1,000 tasks: laid out off the main thread, and only the nodes in view are in the page.
    page.get_by_test_id("expand-all").click()
    expect(canvas).to_have_attribute("data-laid-out", "true", timeout=60000)
    expect(page.locator('[data-testid^="graph-node-group_00."]').first).to_be_visible()
    shown = page.locator('[data-testid^="graph-node-"]').count()
    assert 0 < shown < 200, shown
    shoot(page, "graph-1000-expanded")


def test_a_task_mapped_100000_ways_shows_its_count(page, big_store):
    login(page, big_store)
    page.goto(f"{big_store.url}/dags/bench_mapped/graph")
    node = page.get_by_test_id("graph-node-work")
    expect(node).to_have_attribute("data-state", "success")
    expect(node.get_by_test_id("mapped-count")).to_have_text("[100000]")
