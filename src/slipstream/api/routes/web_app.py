"""The web UI's files: its pages (``/``, ``/login``, ``/dags/...``, ``/admin/...``, ``/assets``)
all answer the one ``index.html`` that the React app routes in the browser, and ``/bundle/*`` the
scripts and stylesheets Vite built from ``ui/`` into ``api/static/app`` (shipped in the package,
so no Node.js is needed to serve them, and nothing comes from a CDN). Their names carry a hash of
their contents, so browsers may keep them for good; a ``.gz`` beside each is sent to browsers that
accept gzip."""

from __future__ import annotations

import mimetypes
from pathlib import Path

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response

APP = Path(__file__).resolve().parent.parent / "static" / "app"
BUNDLE = APP / "bundle"

router = APIRouter(include_in_schema=False)

_FOREVER = "public, max-age=31536000, immutable"


def _index() -> Response:
    index = APP / "index.html"
    if not index.is_file():
        raise HTTPException(404, "The web UI is not built in this installation: run `make ui` (needs Node.js 20)")
    # Always asked again: a new release's index.html names new bundle files.
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


@router.get("/")
@router.get("/login")
@router.get("/dags")
@router.get("/dags/{rest:path}")
@router.get("/admin/{rest:path}")
@router.get("/assets")
def page() -> Response:
    return _index()


@router.get("/bundle/{name}")
def bundle_file(name: str, request: Request) -> Response:
    path = BUNDLE / name
    if "/" in name or name.startswith(".") or name.endswith(".gz") or not path.is_file():
        raise HTTPException(404, f"No file {name!r} in the UI bundle")
    media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    headers = {"Cache-Control": _FOREVER, "Vary": "Accept-Encoding"}
    packed = path.with_name(name + ".gz")
    if "gzip" in request.headers.get("accept-encoding", "") and packed.is_file():
        headers["Content-Encoding"] = "gzip"
        return FileResponse(packed, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)
