"""What variables and connections share: the store's cipher, opened with the transaction, and
hiding sensitive values (keys holding password, secret, token... see sdk/secrets_masker.py) as
``***`` before they leave."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from slipstream.sdk import secrets_masker
from slipstream.services.context import ServiceContext
from slipstream.services.errors import ServiceError


class SecretsUnreadable(ServiceError):
    """The configured Fernet key cannot decrypt (or encrypt) the store's secrets."""


@contextlib.contextmanager
def secrets_session(ctx: ServiceContext, *, write: bool = False) -> Iterator[tuple[Any, Any]]:
    """(session, cipher) in one transaction; a key that cannot decrypt the store is a clear error."""
    from slipstream.store.encryption import FernetKeyError, cipher_from_config

    try:
        cipher = cipher_from_config(ctx.settings.home)
        with ctx.db.write() if write else ctx.db.read() as session:
            yield session, cipher
    except FernetKeyError as err:
        raise SecretsUnreadable(str(err)) from None


def cipher(ctx: ServiceContext) -> Any:
    from slipstream.store.encryption import FernetKeyError, cipher_from_config

    try:
        return cipher_from_config(ctx.settings.home)
    except FernetKeyError as err:
        raise SecretsUnreadable(str(err)) from None


def redact(ctx: ServiceContext, value: Any, name: str | None = None) -> Any:
    """``value`` with what is sensitive under ``name`` (or under its own keys) replaced by ``***``,
    following ``[core] sensitive_var_conn_names`` and ``hide_sensitive_var_conn_fields``."""
    _configure(ctx)
    return secrets_masker.redact(value, name)


def _configure(ctx: ServiceContext) -> None:
    settings = ctx.settings
    secrets_masker.configure(settings.sensitive_var_conn_names, settings.hide_sensitive_var_conn_fields,
                             settings.min_length_masked_secret)


def redact_json_text(ctx: ServiceContext, text: str | None, name: str | None = None) -> str | None:
    """A stored text value redacted: as JSON when it parses (sensitive keys inside it hidden), else whole."""
    import json

    if text is None:
        return None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError:
        return str(redact(ctx, text, name))
    return json.dumps(redact(ctx, parsed, name))


def merge_redacted(ctx: ServiceContext, new: Any, old: Any, name: str | None = None) -> Any:
    """What to store when a client sends back a value it read: a ``***`` under a sensitive name
    keeps the stored value (dicts are merged key by key), anything else replaces it."""
    if isinstance(new, dict) and isinstance(old, dict):
        return {key: merge_redacted(ctx, value, old[key], key) if key in old else value for key, value in new.items()}
    if new == secrets_masker.REPLACEMENT and old is not None and name is not None:
        _configure(ctx)
        if secrets_masker.should_hide_value_for_key(name):
            return old
    return new
