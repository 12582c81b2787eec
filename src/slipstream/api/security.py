"""Who is calling and what they may do. A request carries an access token either as
``Authorization: Bearer`` (scripts, the official client) or in the HttpOnly ``_token`` cookie the
UI gets from ``POST /auth/login``; a cookie-authenticated request that changes something must also
send the token's CSRF value in ``X-CSRF-Token`` (double submit), so another site cannot make a
logged-in browser act."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2PasswordBearer

from slipstream.api.tokens import InvalidToken, TokenClaims, TokenSigner
from slipstream.services import users
from slipstream.services.context import ServiceContext
from slipstream.services.roles import Permission, Role, allows, least_role

COOKIE = "_token"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Declared so the OpenAPI document shows both ways in, as Airflow's does; parsing is done below.
_oauth2 = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)
_bearer = HTTPBearer(auto_error=False)


@dataclass(frozen=True)
class CurrentUser:
    id: int
    username: str
    role: Role
    csrf: str


def service_context(request: Request) -> ServiceContext:
    return request.app.state.ctx


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": "Bearer"})


def current_user(
    request: Request,
    _token: str | None = Depends(_oauth2),
    _credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
) -> CurrentUser:
    signer: TokenSigner = request.app.state.signer
    header = request.headers.get("authorization", "")
    via_cookie = False
    if header.lower().startswith("bearer "):
        token = header[7:].strip()
    elif request.cookies.get(COOKIE):
        token, via_cookie = request.cookies[COOKIE], True
    else:
        raise _unauthorized("Not authenticated: send an access token from POST /auth/token as 'Authorization: Bearer "
                            "TOKEN'")
    try:
        claims: TokenClaims = signer.verify(token)
    except InvalidToken as err:
        raise _unauthorized(str(err)) from None
    if via_cookie and request.method not in SAFE_METHODS and request.headers.get(CSRF_HEADER) != claims.csrf:
        raise HTTPException(status_code=403, detail=f"Missing or wrong {CSRF_HEADER} header for a cookie-authenticated "
                            "request: send the csrf_token that /auth/login or /auth/me returned")
    user = users.get_user(service_context(request), claims.user_id)
    if user is None or not user.active:
        raise _unauthorized("The user of this access token no longer exists or is deactivated")
    return CurrentUser(id=user.id, username=user.username, role=user.role, csrf=claims.csrf)


def requires(permission: Permission):
    """A dependency that lets the request in only for roles with ``permission``."""

    def check(user: CurrentUser = Depends(current_user)) -> CurrentUser:
        if not allows(user.role, permission):
            raise HTTPException(
                status_code=403,
                detail=f"User {user.username!r} has role {user.role.value}, which may not {_WORDS[permission]}: "
                f"that needs role {least_role(permission).value} or above",
            )
        return user

    return check


_WORDS = {
    Permission.READ: "read",
    Permission.OPERATE: "trigger, clear, mark or change DAGs and runs",
    Permission.MANAGE: "manage pools, variables, connections or read the configuration",
    Permission.ADMINISTER: "manage users",
}

READ = Depends(requires(Permission.READ))
OPERATE = Depends(requires(Permission.OPERATE))
MANAGE = Depends(requires(Permission.MANAGE))
ADMINISTER = Depends(requires(Permission.ADMINISTER))
