"""``/docs``: interactive API docs (Swagger UI) from files shipped in the package, never from a
CDN. FastAPI's own ``/docs`` and ``/redoc`` load their scripts from a CDN and are turned off in
``app.py``; the Swagger UI files are copied from the npm package pinned in ``ui/`` by
``make docs-assets``."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

router = APIRouter()

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - API docs</title>
<link rel="stylesheet" href="{static}/swagger-ui/swagger-ui.css">
</head>
<body>
<div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="{static}/swagger-ui/swagger-ui-bundle.js"></script>
<script src="{static}/docs.js"></script>
</body>
</html>
"""


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over ``/openapi.json``: "Authorize" takes a username and password (or a token
    from ``POST /auth/token``) and sends the token with every "Try it out"."""
    root = request.scope.get("root_path", "").rstrip("/")
    page = _PAGE.format(title=escape(request.app.title), static=f"{root}/static",
                        openapi=escape(f"{root}{request.app.openapi_url}"))
    return HTMLResponse(page)
