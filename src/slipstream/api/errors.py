"""Every error answers JSON ``{"detail": ...}`` saying what was wrong; service errors map to one
status each, here and nowhere else."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from slipstream.services import errors

log = logging.getLogger("slipstream.api")

STATUS = {
    errors.NotFound: 404,
    errors.AlreadyExists: 409,
    errors.Conflict: 409,
    errors.InvalidRequest: 400,
    errors.Unsupported: 501,
    errors.AuthenticationFailed: 401,
}


def status_of(error: errors.ServiceError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400


class RefuseNul:
    """Answer 400 to a request whose path or query holds a NUL character: no field takes one, and
    PostgreSQL cannot even compare a text with it (the query would fail with a 500)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and ("\x00" in scope["path"] or b"%00" in scope.get("query_string", b"")):
            response = JSONResponse({"detail": "The request's path or query holds a NUL character (%00), which no "
                                               "parameter accepts"}, status_code=400)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def install(app: FastAPI) -> None:
    async def service_error(request: Request, error: errors.ServiceError) -> JSONResponse:
        status = status_of(error)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": str(error)}, status_code=status, headers=headers)

    async def unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("%s %s failed", request.method, request.url.path)
        return JSONResponse(
            # The exception's text stays in the server's log: it may hold what a client must not see
            # (a database URL, a value from a row).
            {"detail": f"Internal error while answering {request.method} {request.url.path} "
                       f"({type(error).__name__}); the API server's log has the traceback."},
            status_code=500,
        )

    app.add_middleware(RefuseNul)
    app.add_exception_handler(errors.ServiceError, service_error)
    app.add_exception_handler(Exception, unexpected)
