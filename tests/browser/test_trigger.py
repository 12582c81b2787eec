"""The trigger form of the seed ``dynamic_task_mapping_demo`` (fields from its Params, custom mode
making three named mapped instances, ``mode=weekly`` refused next to the field), the run page,
and the actions with their previews (clear downstream, mark failed) on ``parallel_data_processing``."""

from __future__ import annotations

import json
import re
import time
from urllib.parse import quote, unquote

import pytest
from playwright.sync_api import expect

from .conftest import login, shoot

MAPPING = "dynamic_task_mapping_demo"
PARALLEL = "parallel_data_processing"


def run_link(dag_id: str, run_id: str) -> str:
    return f"/dags/{quote(dag_id, safe='')}/runs/{quote(run_id, safe='')}"


def runs_of(standalone, dag_id: str) -> list[dict]:
    with standalone.client() as client:
        response = client.get(f"/api/v2/dags/{dag_id}/dagRuns", params={"limit": 100})
        response.raise_for_status()
        return response.json()["dag_runs"]


def task_instances(standalone, dag_id: str, run_id: str) -> dict[tuple[str, int], dict]:
    with standalone.client() as client:
        response = client.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}/taskInstances",
                              params={"limit": 100})
        response.raise_for_status()
        return {(ti["task_id"], ti["map_index"]): ti for ti in response.json()["task_instances"]}


def wait_for_run(standalone, dag_id: str, run_id: str, states=("success", "failed"), timeout: float = 90) -> dict:
    deadline = time.monotonic() + timeout
    with standalone.client() as client:
        while True:
            run = client.get(f"/api/v2/dags/{dag_id}/dagRuns/{quote(run_id, safe='')}").json()
            if run["state"] in states:
                return run
            if time.monotonic() > deadline:
                raise AssertionError(f"run {run_id} still {run['state']} after {timeout} s")
            time.sleep(0.5)


@pytest.fixture(scope="module")
def finished_runs(standalone) -> list[str]:
    """Two finished runs of parallel_data_processing (one to clear, one to mark)."""
    standalone.wait_for_dag(PARALLEL)
    ids = []
    with standalone.client() as client:
        for n in range(2):
            response = client.post(f"/api/v2/dags/{PARALLEL}/dagRuns",
                                   json={"logical_date": None, "dag_run_id": f"ui_actions_{n}"})
            response.raise_for_status()
            ids.append(response.json()["dag_run_id"])
    for run_id in ids:
        assert wait_for_run(standalone, PARALLEL, run_id)["state"] == "success"
    return ids


def open_trigger_form(page, standalone):
    login(page, standalone)
    page.goto(f"{standalone.url}/dags/{MAPPING}")
    page.get_by_test_id("trigger-button").click()
    expect(page.get_by_test_id("trigger-form")).to_be_visible()


def test_trigger_form_in_custom_mode_makes_three_named_partitions(page, standalone):
    standalone.wait_for_dag(MAPPING)
    open_trigger_form(page, standalone)
    mode = page.get_by_label("mode", exact=True)
    assert mode.evaluate("e => e.tagName") == "SELECT"
    assert mode.locator("option").all_inner_texts() == ["daily", "custom"]
    assert mode.input_value() == '"daily"'
    for name, value in (("start_date", "2024-01-01"), ("end_date", "2024-01-03")):
        field = page.get_by_label(name, exact=True)
        assert field.get_attribute("type") == "date"
        assert field.input_value() == value
    events = page.get_by_label("events_per_partition", exact=True)
    assert events.get_attribute("type") == "number"
    assert events.input_value() == "10"
    assert "Execution mode" in page.get_by_test_id("trigger-form").inner_text()
    shoot(page, "trigger-form")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    shoot(page, "trigger-form-dark")
    page.evaluate("document.documentElement.dataset.theme = 'light'")

    mode.select_option(label="custom")
    page.get_by_label("start_date", exact=True).fill("2024-01-01")
    page.get_by_label("end_date", exact=True).fill("2024-01-03")
    page.get_by_test_id("trigger-submit").click()
    page.wait_for_url(re.compile(r"run_id="))
    run_id = unquote(re.search(r"run_id=([^&]+)", page.url).group(1))
    run = next(r for r in runs_of(standalone, MAPPING) if r["dag_run_id"] == run_id)
    assert run["conf"] == {"mode": "custom", "start_date": "2024-01-01", "end_date": "2024-01-03",
                           "events_per_partition": 10}

    # The run page lists the mapped instances once get_date_range has run (they may fail later
    # where Python 3.12 is missing: their names are what counts here).
    page.goto(standalone.url + run_link(MAPPING, run_id))
    rows = page.locator('[data-testid="ti-row"][data-task-id="process_partition"]')
    expect(rows).to_have_count(3, timeout=60000)
    # Named by the map_index_template once each instance's try has rendered it; the page is live.
    expect(rows.get_by_test_id("ti-map-index")).to_have_text(
        [re.compile(rf"^Partition: 2024-01-0{d}\b") for d in (1, 2, 3)], timeout=120000)
    assert json.loads(page.get_by_test_id("run-conf").inner_text())["mode"] == "custom"
    shoot(page, "run-page")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    shoot(page, "run-page-dark")


def test_weekly_mode_is_refused_next_to_the_field_and_no_run_is_made(page, standalone):
    standalone.wait_for_dag(MAPPING)
    before = len(runs_of(standalone, MAPPING))
    open_trigger_form(page, standalone)
    page.get_by_test_id("tab-raw").click()
    raw = page.get_by_test_id("raw-conf")
    conf = json.loads(raw.input_value())
    assert conf == {"mode": "daily", "start_date": "2024-01-01", "end_date": "2024-01-03", "events_per_partition": 10}
    raw.fill(json.dumps({**conf, "mode": "weekly"}))
    page.get_by_test_id("trigger-submit").click()
    error = page.get_by_test_id("param-mode-error")
    expect(error).to_contain_text("weekly")
    expect(error).to_contain_text("'mode'")
    # Shown next to the field it names, the refused value in the select.
    assert page.get_by_label("mode", exact=True).get_attribute("aria-invalid") == "true"
    assert "weekly" in page.get_by_label("mode", exact=True).locator("option:checked").inner_text()
    shoot(page, "trigger-form-refused")
    assert len(runs_of(standalone, MAPPING)) == before
    # The form's own validation stops a bad number before the server sees it.
    page.get_by_label("events_per_partition", exact=True).fill("")
    page.get_by_label("mode", exact=True).select_option(label="daily")
    page.get_by_test_id("trigger-submit").click()
    expect(page.get_by_test_id("param-events_per_partition-error")).to_have_text("A value is needed")
    assert len(runs_of(standalone, MAPPING)) == before


def test_clear_downstream_previews_then_clears(page, standalone, finished_runs):
    run_id = finished_runs[0]
    before = task_instances(standalone, PARALLEL, run_id)
    login(page, standalone)
    page.goto(standalone.url + run_link(PARALLEL, run_id))
    row = page.locator('[data-testid="ti-row"][data-task-id="extract_sales_data"]')
    row.get_by_test_id("action-clear").click()
    dialog = page.get_by_test_id("action-dialog")
    downstream = dialog.get_by_test_id("option-include_downstream")
    if not downstream.is_checked():
        downstream.check()
    assert not dialog.get_by_test_id("option-only_failed").is_checked()
    expected = {"extract_sales_data", "process_sales_data", "combine_all_data", "end_pipeline"}
    items = dialog.get_by_test_id("preview-item")
    expect(items).to_have_count(len(expected))
    assert {items.nth(i).get_attribute("data-task-id") for i in range(len(expected))} == expected
    expect(dialog.get_by_test_id("preview-count")).to_have_text("4 task instances")
    # Without downstream, only the task itself.
    downstream.uncheck()
    expect(items).to_have_count(1)
    downstream.check()
    expect(items).to_have_count(4)
    shoot(page, "action-preview-clear")
    dialog.get_by_test_id("action-confirm").click()
    expect(dialog).to_have_count(0)
    # Cleared: the run went back to work, the four ran again (new end dates), the rest were left alone.
    deadline = time.monotonic() + 30
    while wait_for_run(standalone, PARALLEL, run_id, states=("success", "failed", "queued", "running"))["state"] == "success":
        assert time.monotonic() < deadline, "the run was not queued again"
        time.sleep(0.2)
    assert wait_for_run(standalone, PARALLEL, run_id)["state"] == "success"
    after = task_instances(standalone, PARALLEL, run_id)
    rerun = {task for (task, _), ti in after.items() if ti["end_date"] != before[(task, -1)]["end_date"]}
    assert rerun == expected


def test_mark_failed_previews_then_marks(page, standalone, finished_runs):
    run_id = finished_runs[1]
    login(page, standalone)
    page.goto(standalone.url + run_link(PARALLEL, run_id))
    row = page.locator('[data-testid="ti-row"][data-task-id="combine_all_data"]')
    row.get_by_test_id("action-mark-failed").click()
    dialog = page.get_by_test_id("action-dialog")
    items = dialog.get_by_test_id("preview-item")
    expect(items).to_have_count(1)
    dialog.get_by_test_id("option-include_downstream").check()
    expect(items).to_have_count(2)
    assert {items.nth(i).get_attribute("data-task-id") for i in range(2)} == {"combine_all_data", "end_pipeline"}
    shoot(page, "action-preview-mark-failed")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    shoot(page, "action-preview-mark-failed-dark")
    page.evaluate("document.documentElement.dataset.theme = 'light'")
    dialog.get_by_test_id("action-confirm").click()
    expect(dialog).to_have_count(0)
    after = task_instances(standalone, PARALLEL, run_id)
    assert after[("combine_all_data", -1)]["state"] == "failed"
    assert after[("end_pipeline", -1)]["state"] == "failed"
    assert after[("process_sales_data", -1)]["state"] == "success"
    # The table follows.
    expect(page.locator('[data-testid="ti-row"][data-task-id="end_pipeline"]')).to_have_attribute("data-state", "failed")


def test_run_note_is_editable(page, standalone, finished_runs):
    run_id = finished_runs[1]
    login(page, standalone)
    page.goto(standalone.url + run_link(PARALLEL, run_id))
    page.get_by_test_id("edit-note").click()
    page.get_by_test_id("note-text").fill("Checked by hand")
    page.get_by_test_id("save-note").click()
    expect(page.get_by_test_id("note-shown")).to_have_text("Checked by hand")
    run = next(r for r in runs_of(standalone, PARALLEL) if r["dag_run_id"] == run_id)
    assert run["note"] == "Checked by hand"


def test_run_actions_preview_the_run_s_task_instances(page, standalone, finished_runs):
    run_id = finished_runs[0]
    wait_for_run(standalone, PARALLEL, run_id)
    login(page, standalone)
    page.goto(standalone.url + run_link(PARALLEL, run_id))
    page.get_by_test_id("run-clear").click()
    dialog = page.get_by_test_id("action-dialog")
    expect(dialog.get_by_test_id("preview-item")).to_have_count(9)
    dialog.get_by_test_id("option-only_failed").check()
    expect(dialog.get_by_test_id("preview-empty")).to_be_visible()
    expect(dialog.get_by_test_id("action-confirm")).to_be_disabled()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_have_count(0)
    # Marking a finished run failed changes no task instance: the preview says so.
    page.get_by_test_id("run-mark-failed").click()
    expect(dialog.get_by_test_id("preview-empty")).to_contain_text("only the run's state changes")
    dialog.get_by_role("button", name="Cancel").click()
    assert wait_for_run(standalone, PARALLEL, run_id)["state"] == "success"


def test_a_viewer_sees_no_actions(page, standalone, finished_runs):
    created = standalone.cli("users", "create", "--username", "viewer", "--role", "Viewer",
                             "--password", "viewer-password")
    assert created.returncode == 0, created.stderr
    login(page, standalone, "viewer", "viewer-password")
    page.goto(standalone.url + run_link(PARALLEL, finished_runs[0]))
    expect(page.get_by_test_id("ti-row")).to_have_count(9)
    assert page.get_by_test_id("run-actions").count() == 0
    assert page.get_by_test_id("task-actions").count() == 0
    assert page.get_by_test_id("edit-note").count() == 0
    page.goto(f"{standalone.url}/dags/{MAPPING}")
    expect(page.get_by_test_id("dag-title")).to_be_visible()
    assert page.get_by_test_id("trigger-button").count() == 0


RICH_DAG = '''
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.empty import EmptyOperator

with DAG(
    dag_id="ui_rich_params",
    schedule=None,
    params={
        "flag": Param(True, type="boolean", description="A switch"),
        "ratio": Param(0.5, type="number", minimum=0, maximum=1, title="Sampling ratio"),
        "region": Param("eu", enum=["eu", "us"], values_display={"eu": "Europe", "us": "United States"},
                        description_md="Where the **data** lives"),
        "when": Param("2024-01-02T03:04:00+00:00", type="string", format="date-time", section="Timing"),
        "tags": Param(["a", "b"], type="array", items={"type": "string"}, section="Timing"),
        "options": Param({"depth": 2}, type="object", section="Advanced"),
        "comment": Param(None, type=["null", "string"], section="Advanced"),
    },
) as dag:
    EmptyOperator(task_id="noop")
'''


def test_every_kind_of_param_makes_its_field_and_the_defaults_trigger(page, standalone):
    (standalone.home / "dags" / "ui_rich_params.py").write_text(RICH_DAG)
    standalone.wait_for_dag("ui_rich_params", timeout=60)
    login(page, standalone)
    page.goto(f"{standalone.url}/dags/ui_rich_params")
    page.get_by_test_id("trigger-button").click()
    form = page.get_by_test_id("trigger-form")
    assert page.get_by_label("flag", exact=True).is_checked()
    ratio = page.get_by_label("Sampling ratio")
    assert (ratio.get_attribute("type"), ratio.get_attribute("max")) == ("number", "1")
    assert page.get_by_label("region", exact=True).locator("option").all_inner_texts() == ["Europe", "United States"]
    assert form.locator("strong", has_text="data").count() == 1  # description_md rendered
    assert page.get_by_label("when", exact=True).get_attribute("type") == "datetime-local"
    assert page.get_by_label("tags", exact=True).input_value() == "a\nb"
    assert json.loads(page.get_by_label("options", exact=True).input_value()) == {"depth": 2}
    assert form.locator("summary").all_inner_texts()[:3] == ["Parameters", "Timing", "Advanced"]
    shoot(page, "trigger-form-sections")
    ratio.fill("2")
    page.get_by_test_id("trigger-submit").click()
    expect(page.get_by_test_id("param-ratio-error")).to_have_text("At most 1")
    ratio.fill("0.25")
    page.get_by_label("tags", exact=True).fill("x\ny\nz")
    page.get_by_test_id("trigger-submit").click()
    page.wait_for_url(re.compile(r"run_id="))
    run = runs_of(standalone, "ui_rich_params")[0]
    assert run["conf"] == {"flag": True, "ratio": 0.25, "region": "eu", "when": "2024-01-02T03:04:00+00:00",
                           "tags": ["x", "y", "z"], "options": {"depth": 2}, "comment": None}
