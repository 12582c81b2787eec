"""Browser tests: a real ``slipstream standalone`` (subprocess, temp home, free port) and Debian's
Chromium driven by Playwright (``playwright`` from PyPI drives the system executable; it never
downloads a browser). ``make test`` installs Chromium with apt when it is missing; without it these
tests are skipped here and fail with CI=true.

Pages are shot into ``ui-screenshots/`` at the top of the repository (not committed) by
``shoot(page, name)``; set SLIPSTREAM_SCREENSHOTS to put them elsewhere."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(os.environ.get("SLIPSTREAM_SCREENSHOTS") or REPO / "ui-screenshots")
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]


def chromium_path() -> str:
    found = os.environ.get("SLIPSTREAM_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    missing = "Debian's Chromium is not installed: `apt-get install chromium` (make test does it)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing} (CI=true: the browser tests must run)")
    pytest.skip(missing)


@dataclass
class Standalone:
    """A running ``slipstream standalone`` and its console output so far."""

    home: Path
    url: str
    admin_password: str
    process: subprocess.Popen
    lines: list[str] = field(default_factory=list)
    started_at: float = 0.0

    def client(self, username: str = "admin", password: str | None = None) -> httpx.Client:
        """An API client with a bearer token of that user."""
        response = httpx.post(f"{self.url}/auth/token", json={"username": username,
                                                               "password": password or self.admin_password})
        response.raise_for_status()
        return httpx.Client(base_url=self.url, timeout=30,
                            headers={"Authorization": f"Bearer {response.json()['access_token']}"})

    def wait_for_dag(self, dag_id: str, timeout: float = 30) -> None:
        with self.client() as client:
            deadline = time.monotonic() + timeout
            while client.get(f"/api/v2/dags/{dag_id}").status_code != 200:
                if time.monotonic() > deadline:
                    raise AssertionError(f"{dag_id} was not parsed in {timeout} s:\n" + "\n".join(self.lines[-40:]))
                time.sleep(0.2)

    def cli(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(Path(sys.executable).with_name("slipstream")), *args], env=standalone_env(self.home),
                              capture_output=True, text=True, timeout=60)


def standalone_env(home: Path, port: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM__", "AIRFLOW__"))}
    env.update(SLIPSTREAM_HOME=str(home), SLIPSTREAM__API__PORT=str(port), SLIPSTREAM__CORE__LOAD_EXAMPLES="false",
               SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION="false", PYTHONUNBUFFERED="1")
    return env


def start_standalone(home: Path, timeout: float = 60, *, port: int = 0, wait: bool = True) -> Standalone:
    """``slipstream standalone`` in ``home``; returns once it printed its URL and login (``wait``),
    or at once (then ``url`` and ``admin_password`` are left empty)."""
    started = time.monotonic()
    process = subprocess.Popen([str(Path(sys.executable).with_name("slipstream")), "standalone"],
                               env=standalone_env(home, port), cwd=home,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    lines: list[str] = []
    found: dict[str, str] = {}
    ready = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if m := re.search(r"REST API:\s+(http://\S+)/api/v2", line):
                found["url"] = m.group(1)
            if m := re.search(r"Login:\s+admin / (\S+)", line):
                found["password"] = m.group(1)
            if "url" in found and "password" in found:
                ready.set()
        ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not wait:
        return Standalone(home=home, url="", admin_password="", process=process, lines=lines, started_at=started)
    if not ready.wait(timeout) or "url" not in found or "password" not in found:
        process.kill()
        raise AssertionError("standalone did not print its URL and login:\n" + "\n".join(lines))
    return Standalone(home=home, url=found["url"], admin_password=found["password"], process=process, lines=lines,
                      started_at=started)


def stop_standalone(server: Standalone) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)
        try:
            server.process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait(10)


def start_api_server(home: Path, timeout: float = 30) -> Standalone:
    """``slipstream api-server`` alone (no scheduler) on a store made beforehand in ``home``, e.g.
    by ``bench.api.build_store``: for pages over big data. Logs in as ``admin`` (created here)."""
    import socket

    password = "browser-test-password"
    env = standalone_env(home)
    slipstream = str(Path(sys.executable).with_name("slipstream"))
    subprocess.run([slipstream, "users", "create", "--username", "admin", "--role", "Admin", "--password", password],
                   env=env, check=True, capture_output=True, timeout=60)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    process = subprocess.Popen([slipstream, "api-server", "--host", "127.0.0.1", "--port", str(port)], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    while True:
        try:
            if httpx.get(f"{url}/api/v2/monitor/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() - started > timeout:
            process.kill()
            raise AssertionError(f"api-server did not answer:\n{process.communicate()[0]}")
        time.sleep(0.1)
    return Standalone(home=home, url=url, admin_password=password, process=process, started_at=started)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory: pytest.TempPathFactory, seed_dags: Path) -> Iterator[Standalone]:
    """One standalone per test module, its DAG folder holding the seed DAGs."""
    home = tmp_path_factory.mktemp("standalone")
    dags = home / "dags"
    dags.mkdir()
    for path in seed_dags.glob("*.py"):
        shutil.copy(path, dags / path.name)
    server = start_standalone(home)
    try:
        yield server
    finally:
        stop_standalone(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page; a failing test leaves a screenshot."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    context.set_default_timeout(15000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            shoot(tab, f"FAILED-{request.node.name}")
        context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def shoot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


SPEED = SCREENSHOTS / "speed.json"


def record(name: str, value: float, unit: str = "ms") -> None:
    """Keep a speed figure measured in the browser (ui-screenshots/speed.json; `make bench-ui`
    prints them as a table). Tests record times; they never assert them."""
    import json

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    figures = json.loads(SPEED.read_text()) if SPEED.is_file() else {}
    figures[name] = {"value": round(value, 1), "unit": unit}
    SPEED.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"\n{name}: {value:.1f} {unit}")


def shoot_both(page: Any, name: str) -> None:
    """A screenshot in the light theme and one in the dark theme (NAME-light, NAME-dark); the page
    is left in the theme it was in."""
    theme = "document.documentElement.dataset.theme || 'light'"
    start = page.evaluate(theme)
    for _ in range(2):
        shoot(page, f"{name}-{page.evaluate(theme)}")
        page.get_by_role("button", name="Toggle dark theme").click()
    assert page.evaluate(theme) == start


def bench_api() -> Any:
    """The repository's ``bench/api.py`` (``build_store``, ``Sizes``): under pytest, ``bench`` may
    name tests/bench, a namespace package, instead."""
    import importlib

    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    loaded = sys.modules.get("bench")
    if loaded is not None and getattr(loaded, "__file__", None) is None:
        del sys.modules["bench"]
    return importlib.import_module("bench.api")


def login(page: Any, server: Standalone, username: str = "admin", password: str | None = None) -> None:
    """Log in through the login form, landing on the DAG list."""
    page.goto(f"{server.url}/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or server.admin_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dags"))
