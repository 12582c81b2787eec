"""The web UI's files as the API server serves them: the pages answer index.html, the bundle is
as new as ui/'s sources, gzipped when asked, small enough, and every file it names is served."""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from pathlib import Path

import pytest

from slipstream.api.routes.web_app import APP, BUNDLE

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
