"""Tokens as in Airflow 3: ``POST /auth/token`` (JSON or form) answers ``{"access_token": ...}``
for ``Authorization: Bearer``; ``POST /auth/login`` puts the same token in an HttpOnly cookie for
the UI and answers the CSRF value its changes must send; ``/auth/me`` says who is logged in."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, ConfigDict

from slipstream.api.login_limiter import LoginLimiter
from slipstream.api.security import COOKIE, CurrentUser, current_user, service_context
from slipstream.api.tokens import TokenClaims, TokenSigner
from slipstream.services import users
from slipstream.services.errors import AuthenticationFailed

router = APIRouter(tags=["Login"])


class LoginBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str
    password: str


class LoginResponse(BaseModel):
    access_token: str


class SessionResponse(BaseModel):
    username: str
    role: str
    csrf_token: str


async def _login_body(request: Request) -> LoginBody:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/x-www-form-urlencoded" or kind == "multipart/form-data":
        form = await request.form()
        raw = {key: form.get(key) for key in ("username", "password")}
    elif kind in ("application/json", ""):
        try:
            raw = await request.json()
        except ValueError:
            raise HTTPException(400, "The body is not valid JSON: send {\"username\": ..., \"password\": ...}") from None
    else:
        raise HTTPException(415, f"Unsupported content type {kind!r}: send JSON or a form with username and password")
    if not isinstance(raw, dict) or not isinstance(raw.get("username"), str) or not isinstance(raw.get("password"), str):
        raise HTTPException(400, "Send both username and password, as strings")
    return LoginBody(username=raw["username"], password=raw["password"])


def _authenticate(request: Request, body: LoginBody) -> users.User:
    limiter: LoginLimiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    wait = limiter.retry_after(client, body.username)
    if wait:
        raise HTTPException(429, f"Too many failed logins for {body.username!r}: try again in {wait} s",
                            headers={"Retry-After": str(wait)})
    try:
        user = users.authenticate(service_context(request), body.username, body.password)
    except AuthenticationFailed:
        limiter.failed(client, body.username)
        raise
    limiter.succeeded(client, body.username)
    return user


def _issue(request: Request, user: users.User) -> str:
    signer: TokenSigner = request.app.state.signer
    return signer.issue(user.id, user.username)


@router.post("/auth/token", status_code=201, responses={401: {"description": "Wrong username or password"},
                                                         429: {"description": "Too many failed logins"}})
def create_token(request: Request, body: LoginBody = Depends(_login_body)) -> LoginResponse:
    """An access token for ``Authorization: Bearer``, valid ``[api_auth] jwt_expiration_time`` seconds."""
    return LoginResponse(access_token=_issue(request, _authenticate(request, body)))


@router.post("/auth/token/cli", status_code=201, include_in_schema=False)
def create_token_cli(request: Request, body: LoginBody = Depends(_login_body)) -> LoginResponse:
    return LoginResponse(access_token=_issue(request, _authenticate(request, body)))


@router.post("/auth/login")
def login(request: Request, response: Response, body: LoginBody = Depends(_login_body)) -> SessionResponse:
    """Log a browser in: the token goes in an HttpOnly, SameSite=Strict cookie."""
    user = _authenticate(request, body)
    token = _issue(request, user)
    signer: TokenSigner = request.app.state.signer
    claims: TokenClaims = signer.verify(token)
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https",
                        max_age=signer.lifetime_seconds, path="/")
    return SessionResponse(username=user.username, role=user.role.value, csrf_token=claims.csrf)


@router.get("/auth/me")
def whoami(user: CurrentUser = Depends(current_user)) -> SessionResponse:
    return SessionResponse(username=user.username, role=user.role.value, csrf_token=user.csrf)


@router.post("/auth/logout", status_code=204)
def logout() -> Response:
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/api/v2/auth/logout", include_in_schema=False)
def logout_redirect() -> RedirectResponse:
    response = RedirectResponse("/", status_code=307)
    response.delete_cookie(COOKIE, path="/")
    return response
