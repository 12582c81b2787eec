"""The secret that signs Slipstream's JWTs: the API's access tokens, and the requests an API server
makes for a worker's task logs (``store/worker_logs.py``). ``[api_auth] jwt_secret``, or one
generated once and kept in ``$SLIPSTREAM_HOME/jwt_secret``: machines that share tokens (several
API servers, workers serving logs) need the same ``jwt_secret`` set on each."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from slipstream.config.settings import Settings

SECRET_FILE = "jwt_secret"


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
