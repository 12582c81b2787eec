"""Access tokens: HS512 JWTs signed with ``[api_auth] jwt_secret`` (generated once and kept in
``$SLIPSTREAM_HOME/jwt_secret`` when not configured), so every API worker and a restarted server
accept the same tokens."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from slipstream.config import Settings

ALGORITHM = "HS512"
AUDIENCE = "slipstream-api"
SECRET_FILE = "jwt_secret"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    username: str
    csrf: str


def signing_secret(settings: Settings) -> str:
    if settings.jwt_secret:
        return settings.jwt_secret
    path = Path(settings.home) / SECRET_FILE
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = secrets.token_urlsafe(48)
    try:  # O_EXCL: of two workers starting at once, one writes and both read its secret
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(candidate + "\n")
    return candidate


class TokenSigner:
    def __init__(self, secret: str, lifetime_seconds: int) -> None:
        self._secret = secret
        self.lifetime_seconds = lifetime_seconds

    def issue(self, user_id: int, username: str, *, lifetime_seconds: int | None = None) -> str:
        now = int(time.time())
        claims = {
            "sub": str(user_id), "name": username, "aud": AUDIENCE, "iat": now, "nbf": now,
            "exp": now + (lifetime_seconds or self.lifetime_seconds), "jti": secrets.token_hex(8),
            "csrf": secrets.token_urlsafe(16),
        }
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str) -> TokenClaims:
        try:
            claims = jwt.decode(token, self._secret, algorithms=[ALGORITHM], audience=AUDIENCE,
                                options={"require": ["exp", "sub"]})
            return TokenClaims(user_id=int(claims["sub"]), username=str(claims.get("name", "")),
                               csrf=str(claims.get("csrf", "")))
        except jwt.ExpiredSignatureError:
            raise InvalidToken("The access token has expired: get a new one from POST /auth/token") from None
        except (jwt.InvalidTokenError, ValueError, KeyError):
            raise InvalidToken("The access token is not valid: get one from POST /auth/token") from None
