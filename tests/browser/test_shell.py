"""The app shell: the login form, a wrong password, the theme switch, logging out."""

from __future__ import annotations

import re

from .conftest import login, shoot


def test_wrong_password_is_said_and_right_one_logs_in(page, standalone):
    page.goto(standalone.url + "/dags")
    page.wait_for_url(re.compile(r"/login"))
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "Invalid username or password" in page.get_by_role("alert").inner_text()
    shoot(page, "login")
    login(page, standalone)
    assert page.get_by_test_id("who").inner_text() == "admin (Admin)"


def test_theme_switch_is_kept_across_reloads(page, standalone):
    login(page, standalone)
    start = page.evaluate("document.documentElement.dataset.theme")
    page.get_by_role("button", name="Toggle dark theme").click()
    flipped = page.evaluate("document.documentElement.dataset.theme")
    assert flipped != start
    page.reload()
    assert page.evaluate("document.documentElement.dataset.theme") == flipped


def test_log_out_returns_to_the_login_form(page, standalone):
    login(page, standalone)
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(standalone.url + "/dags")
    page.wait_for_url(re.compile(r"/login"))
