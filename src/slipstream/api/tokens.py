"""Access tokens: HS512 JWTs signed with ``[api_auth] jwt_secret`` (generated once and kept in
``$SLIPSTREAM_HOME/jwt_secret`` when not configured), so every API worker and a restarted server
accept the same tokens."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

import jwt

ALGORITHM = "HS512"
AUDIENCE = "slipstream-api"


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    user_id: int
    username: str
    csrf: str


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
