"""The web UI's files as the API server serves them: the pages answer index.html, the bundle is
as new as ui/'s sources, gzipped when asked, small enough, and every file it names is served."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import httpx
import pytest

from slipstream.api.front import APP, BUNDLE

UI = Path(__file__).resolve().parents[2] / "ui"
TOP_FILES = ("index.html", "package.json", "package-lock.json", "tsconfig.json", "vite.config.ts")


def sources_digest() -> str:
    """As ui/scripts/sources.mjs computes it when `make ui` builds."""
    files = [UI / name for name in TOP_FILES]
    files += [p for p in (UI / "src").rglob("*") if p.is_file() and not re.search(r"\.test\.tsx?$", p.name)]
    digest = hashlib.sha256()
    for rel in sorted(p.relative_to(UI).as_posix() for p in files):
        digest.update(rel.encode() + b"\0")
        digest.update((UI / rel).read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def test_bundle_is_built_from_the_current_sources():
    built = json.loads((APP / "build-info.json").read_text())["sources_sha256"]
    assert built == sources_digest(), (
        "src/slipstream/api/static/app was built from other sources than ui/ holds now: run `make ui` and commit it"
    )


def _main_script() -> Path:
    index = (APP / "index.html").read_text()
    names = re.findall(r'src="/bundle/([^"]+\.js)"', index)
    assert len(names) == 1, index
    return BUNDLE / names[0]


def test_main_script_is_under_1_mb_gzipped():
    packed = _main_script().with_name(_main_script().name + ".gz")
    assert packed.stat().st_size < 1_000_000
    assert gzip.decompress(packed.read_bytes()) == _main_script().read_bytes()


@pytest.mark.parametrize("path", ["/", "/login", "/dags", "/dags/some_dag/graph", "/admin/pools", "/assets"])
def test_pages_answer_the_app_without_login(sqlite_api, path):
    response = sqlite_api.client(None).get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-cache"
    assert '<div id="root"></div>' in response.text


def test_every_file_the_page_names_is_served_gzipped_and_kept(sqlite_api):
    client = sqlite_api.client(None)
    page = client.get("/").text
    names = re.findall(r'(?:src|href)="(/bundle/[^"]+)"', page)
    assert names
    for name in names:
        packed = client.get(name, headers={"Accept-Encoding": "gzip"})
        assert packed.status_code == 200, name
        assert packed.headers["content-encoding"] == "gzip"
        assert "immutable" in packed.headers["cache-control"]
        plain = client.get(name, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert packed.content == plain.content  # httpx decoded the gzip


def test_api_paths_are_not_taken_by_the_app(sqlite_api):
    client = sqlite_api.client(None)
    assert client.get("/api/v2/no_such_thing").status_code == 404
    assert client.get("/bundle/../build-info.json").status_code == 404
    assert client.get("/bundle/nothing.js").status_code == 404


def test_standalone_answers_first_routes_early_and_holds_the_others_until_loaded(sqlite_api):
    """Staged loading (standalone): with the first routers loaded, their requests are answered while
    one for a later router, and /openapi.json, wait for the rest instead of getting a 404."""
    import asyncio

    from slipstream.api.app import FIRST, ROUTERS, add_routers, create_app
    from slipstream.api.front import Front

    async def scenario() -> None:
        app = create_app(sqlite_api.ctx, ROUTERS[:FIRST])
        front = Front()
        front.load(app, complete=False)
        headers = {"Authorization": f"Bearer {sqlite_api.tokens['Admin']}"}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=front), base_url="http://t", headers=headers) as c:
            assert (await c.get("/api/v2/dags")).status_code == 200
            assert (await c.get("/login")).status_code == 200
            later = asyncio.create_task(c.get("/api/v2/pools"))
            schema = asyncio.create_task(c.get("/openapi.json"))
            await asyncio.sleep(0.2)
            assert not later.done() and not schema.done()
            add_routers(app, ROUTERS[FIRST:])
            front.complete = True
            assert (await later).status_code == 200
            paths = (await schema).json()["paths"]
            assert "/api/v2/pools" in paths and "/api/v2/dags" in paths

    _run(scenario)


def test_a_failed_load_answers_503_saying_why():

    from slipstream.api.front import Front

    async def scenario() -> None:
        front = Front()
        front.fail(RuntimeError("no such database"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=front), base_url="http://t") as client:
            answer = await client.get("/api/v2/dags")
            assert answer.status_code == 503
            assert answer.json()["detail"] == "The API could not start: RuntimeError: no such database"
            assert (await client.get("/dags")).status_code == 200  # the UI still loads, and says what the API answers

    _run(scenario)


def _run(scenario) -> None:
    """``asyncio.run`` in a thread of its own: Playwright's sync API keeps a loop running in this one."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(scenario())).result()
