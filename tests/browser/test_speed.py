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

    started = time.monotonic()
    second = start_standalone(home, port=port, wait=False)
    try:
        while True:
            try:
                page.goto(f"http://127.0.0.1:{port}/dags", timeout=10000)
                break
            except Exception as err:  # noqa: BLE001 - refused until the port is bound
                if "ERR_CONNECTION_REFUSED" not in str(err) or time.monotonic() - started > 20:
                    raise
                time.sleep(0.01)
        page.get_by_text("parallel_data_processing").first.wait_for(timeout=20000)
        record("dag list painted after standalone start", (time.monotonic() - started) * 1000)
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
