"""The admin pages: pools, variables, connections (the password never reaches the page), users
(Admin only), assets; and a Viewer's read-only tables."""

from __future__ import annotations

import json
import re

from .conftest import login, shoot, shoot_both


def form(page):
    return page.get_by_test_id("admin-form")


def row(page, testid: str, attribute: str, value: str):
    return page.locator(f"[data-testid={testid}][{attribute}='{value}']")


def test_pools_are_created_edited_and_deleted(page, standalone):
    login(page, standalone)
    page.goto(standalone.url + "/admin/pools")
    row(page, "pool-row", "data-name", "default_pool").wait_for()
    assert "default_pool" in page.get_by_test_id("pools-table").inner_text()

    page.get_by_test_id("add-button").click()
    form(page).get_by_label("Name", exact=True).fill("default_pool")
    form(page).get_by_label("Slots", exact=True).fill("3")
    form(page).get_by_role("button", name="Save").click()
    assert "default_pool" in form(page).get_by_role("alert").inner_text()  # the server's refusal, in the form
    form(page).get_by_label("Name", exact=True).fill("ui_pool")
    form(page).get_by_label("Description", exact=True).fill("made in the browser")
    form(page).get_by_role("button", name="Save").click()
    created = row(page, "pool-row", "data-name", "ui_pool")
    created.wait_for()
    assert "made in the browser" in created.inner_text()
    shoot_both(page, "admin-pools")

    created.get_by_test_id("edit-button").click()
    assert form(page).get_by_label("Name", exact=True).is_disabled()
    form(page).get_by_label("Slots", exact=True).fill("7")
    form(page).get_by_role("button", name="Save").click()
    form(page).wait_for(state="detached")
    with standalone.client() as client:
        page.wait_for_function("() => document.querySelector(\"[data-name='ui_pool'] td:nth-child(2)\")?.textContent === '7'")
        assert client.get("/api/v2/pools/ui_pool").json()["slots"] == 7
        created.get_by_test_id("delete-button").click()
        page.get_by_test_id("confirm-delete").click()
        created.wait_for(state="detached")
        assert client.get("/api/v2/pools/ui_pool").status_code == 404


def test_variables_are_searched_created_edited_and_deleted_and_secrets_stay_masked(page, standalone):
    login(page, standalone)
    page.goto(standalone.url + "/admin/variables")
    page.get_by_test_id("add-button").wait_for()
    for key, value in (("ui_color", "blue"), ("ui_api_password", "very-secret-value")):
        page.get_by_test_id("add-button").click()
        form(page).get_by_label("Key", exact=True).fill(key)
        form(page).get_by_label("Value", exact=True).fill(value)
        form(page).get_by_role("button", name="Save").click()
        row(page, "variable-row", "data-key", key).wait_for()
    color = row(page, "variable-row", "data-key", "ui_color")
    secret = row(page, "variable-row", "data-key", "ui_api_password")
    assert "blue" in color.inner_text()
    assert "***" in secret.inner_text() and "very-secret-value" not in page.content()
    shoot_both(page, "admin-variables")

    secret.get_by_test_id("edit-button").click()
    assert form(page).get_by_label("Value", exact=True).input_value() == ""  # a sensitive value is not put back in the form
    form(page).get_by_label("Description", exact=True).fill("kept secret")
    form(page).get_by_role("button", name="Save").click()
    form(page).wait_for(state="detached")
    with standalone.client() as client:
        page.wait_for_function("() => document.querySelector(\"[data-key='ui_api_password']\")?.textContent.includes('kept secret')")
        got = standalone.cli("variables", "get", "ui_api_password")
        assert got.stdout.strip() == "very-secret-value", got  # left empty: unchanged

        color.get_by_test_id("edit-button").click()
        form(page).get_by_label("Value", exact=True).fill("green")
        form(page).get_by_role("button", name="Save").click()
        page.wait_for_function("() => document.querySelector(\"[data-key='ui_color']\")?.textContent.includes('green')")
        assert client.get("/api/v2/variables/ui_color").json()["value"] == "green"

        page.get_by_label("Search keys", exact=True).fill("color")
        secret.wait_for(state="detached")
        assert page.get_by_test_id("variable-row").count() == 1
        color.get_by_test_id("delete-button").click()
        page.get_by_test_id("confirm-delete").click()
        color.wait_for(state="detached")
        assert client.get("/api/v2/variables/ui_color").status_code == 404


def test_a_connections_password_never_reaches_the_page(page, standalone):
    password = "hunter2-never-shown"
    login(page, standalone)
    page.goto(standalone.url + "/admin/connections")
    page.get_by_test_id("add-button").click()
    form(page).get_by_label("Connection id", exact=True).fill("ui_warehouse")
    form(page).get_by_label("Type", exact=True).fill("postgres")
    form(page).get_by_label("Host", exact=True).fill("db.example.com")
    form(page).get_by_label("Port", exact=True).fill("5432")
    form(page).get_by_label("Login", exact=True).fill("etl")
    form(page).get_by_label("Password", exact=True).fill(password)
    form(page).get_by_label("Extra (JSON)", exact=True).fill("{not json")
    form(page).get_by_role("button", name="Save").click()
    assert "not valid JSON" in form(page).get_by_role("alert").first.inner_text()
    form(page).get_by_label("Extra (JSON)", exact=True).fill('{"sslmode": "require"}')
    form(page).get_by_role("button", name="Save").click()
    created = row(page, "connection-row", "data-id", "ui_warehouse")
    created.wait_for()
    assert "db.example.com" in created.inner_text()
    assert password not in page.content()
    shoot_both(page, "admin-connections")

    created.get_by_test_id("edit-button").click()
    assert form(page).get_by_label("Password", exact=True).input_value() == ""
    assert password not in page.content()
    assert json.loads(form(page).get_by_label("Extra (JSON)", exact=True).input_value()) == {"sslmode": "require"}
    shoot(page, "admin-connection-edit")
    form(page).get_by_label("Host", exact=True).fill("db2.example.com")
    form(page).get_by_role("button", name="Save").click()
    form(page).wait_for(state="detached")
    page.wait_for_function("() => document.querySelector(\"[data-id='ui_warehouse']\")?.textContent.includes('db2.example.com')")
    assert password not in page.content()
    stored = json.loads(standalone.cli("connections", "get", "ui_warehouse", "--output", "json").stdout)
    stored = stored[0] if isinstance(stored, list) else stored
    assert stored["host"] == "db2.example.com" and stored["password"] == password  # left empty: unchanged

    created.get_by_test_id("delete-button").click()
    page.get_by_test_id("confirm-delete").click()
    created.wait_for(state="detached")


def test_an_admin_creates_a_user_changes_its_role_and_deletes_it(page, standalone):
    login(page, standalone)
    page.goto(standalone.url + "/admin/users")
    row(page, "user-row", "data-username", "admin").wait_for()
    page.get_by_test_id("add-button").click()
    form(page).get_by_label("Username", exact=True).fill("olga")
    form(page).get_by_label("Email", exact=True).fill("olga@example.com")
    form(page).get_by_label("Role", exact=True).select_option("Op")
    form(page).get_by_label("Password", exact=True).fill("olga-password-1")
    form(page).get_by_role("button", name="Save").click()
    olga = row(page, "user-row", "data-username", "olga")
    olga.wait_for()
    assert olga.get_by_label("Role of olga", exact=True).input_value() == "Op"
    shoot_both(page, "admin-users")
    with standalone.client() as client:
        olga.get_by_label("Role of olga", exact=True).select_option("User")
        page.wait_for_timeout(0)
        for _ in range(50):
            if client.get("/auth/fab/v1/users/olga").json()["roles"] == [{"name": "User"}]:
                break
            page.wait_for_timeout(100)
        assert client.get("/auth/fab/v1/users/olga").json()["roles"] == [{"name": "User"}]
        olga.get_by_role("button", name="Reset password").click()
        form(page).get_by_label("New password", exact=True).fill("olga-password-2")
        form(page).get_by_role("button", name="Set password").click()
        form(page).wait_for(state="detached")
        assert standalone.client("olga", "olga-password-2").get("/api/v2/dags").status_code == 200
        olga.get_by_test_id("delete-button").click()
        page.get_by_test_id("confirm-delete").click()
        olga.wait_for(state="detached")
        assert client.get("/auth/fab/v1/users/olga").status_code == 404


def test_assets_explain_themselves_when_there_are_none(page, standalone):
    login(page, standalone)
    page.goto(standalone.url + "/assets")
    empty = page.get_by_test_id("assets-empty")
    assert "No assets yet" in empty.inner_text() and "outlets" in empty.inner_text()
    shoot_both(page, "assets-empty")


ASSETS_DAG = """
from datetime import datetime
from airflow.sdk import DAG, Asset
from airflow.operators.bash import BashOperator

orders = Asset("s3://warehouse/orders.parquet")

with DAG("ui_assets_producer", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="export", bash_command=":", outlets=[orders])

with DAG("ui_assets_consumer", start_date=datetime(2024, 1, 1), schedule=[orders]):
    BashOperator(task_id="report", bash_command=":")
"""


def test_assets_and_their_events_are_listed(page, standalone):
    (standalone.home / "dags" / "ui_assets.py").write_text(ASSETS_DAG)
    standalone.wait_for_dag("ui_assets_consumer", timeout=60)
    with standalone.client() as client:
        asset = client.get("/api/v2/assets").json()["assets"][0]
        client.post("/api/v2/assets/events", json={"asset_id": asset["id"], "extra": {"rows": 42}}).raise_for_status()
    login(page, standalone)
    page.goto(standalone.url + "/assets")
    table = page.get_by_test_id("assets-table")
    assert "s3://warehouse/orders.parquet" in table.inner_text()
    assert "ui_assets_producer" in table.inner_text() and "ui_assets_consumer" in table.inner_text()
    events = page.get_by_test_id("asset-events-table")
    assert '"rows":42' in events.inner_text()
    shoot_both(page, "assets")


def test_a_viewer_sees_read_only_tables(page, standalone):
    with standalone.client() as client:
        client.post("/api/v2/variables", json={"key": "ui_viewer_sees", "value": "1"}).raise_for_status()
    made = standalone.cli("users", "create", "--username", "vic", "--role", "Viewer", "--password", "vic-password-1")
    assert made.returncode == 0 or "exists" in (made.stdout + made.stderr), made.stderr
    login(page, standalone, "vic", "vic-password-1")
    for path, testid in (("pools", "pool-row"), ("variables", "variable-row")):
        page.goto(f"{standalone.url}/admin/{path}")
        page.get_by_test_id(testid).first.wait_for()
        assert page.get_by_test_id("add-button").count() == 0
        assert page.get_by_test_id("edit-button").count() == 0 and page.get_by_test_id("delete-button").count() == 0
        assert "Read only" in page.inner_text("main")
    shoot(page, "admin-variables-viewer")
    page.goto(standalone.url + "/admin/connections")
    page.get_by_text("Read only").wait_for()
    assert page.get_by_test_id("add-button").count() == 0
    page.goto(standalone.url + "/admin/users")
    assert "Only Admins" in page.get_by_role("alert").inner_text()
    assert page.get_by_role("link", name=re.compile("^Users$")).count() == 0
