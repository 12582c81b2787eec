"""Secrets replaced by ``***`` before anything is written, as Airflow masks them.

One process-wide set of secret strings: connection passwords and extras, the values of variables
whose key holds a sensitive word, and whatever task code registers with ``mask_secret`` (Airflow's
``airflow.sdk.log.mask_secret``, ``airflow.utils.log.secrets_masker.mask_secret`` in Airflow 2).
Each secret is also masked in the forms it takes when it is written in a URL, in ``repr()`` and in
JSON. As in Airflow, a string shorter than ``[logging] min_length_masked_secret`` (5) is not
masked (it would hide common words), nor is ``"airflow"``.

Where it applies: ``redact_text`` on the lines Slipstream writes itself (``sdk/task_log.py``) and
on log records (``runner/task_logging.py``); ``sys.stdout`` and ``sys.stderr`` are wrapped by a
``MaskedStream`` the moment the first secret is registered (so ``print``, tracebacks and the output
of commands a task runs, which operators copy through ``sys.stdout``, are masked), and not before:
a try that registers nothing writes through the streams it had, at no cost. ``redact`` walks
values (rendered fields), hiding whole values whose key is sensitive, as Airflow's ``redact``.

The masker lives in the process that runs the task: a secret registered there is unknown to
other processes, which is why a try's failure reason and rendered fields are masked before they
leave it.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from enum import Enum
from typing import Any
from urllib.parse import quote, quote_plus

log = logging.getLogger(__name__)

REPLACEMENT = "***"

# Airflow 3.3's DEFAULT_SENSITIVE_FIELDS: a variable key, an extra's key or a rendered field's name
# that contains one of these (after lower-casing, non-word characters as "_") hides its value.
DEFAULT_SENSITIVE_FIELDS = frozenset({
    "access_key", "access_token", "api_key", "apikey", "auth_header", "authorization", "bearer",
    "connection_string", "dsn", "passphrase", "passwd", "password", "private_key", "proxy", "proxy_password",
    "proxies", "secret", "service_account", "service_key", "token", "keyfile_dict", "webhook_url",
})
NEVER_MASKED = frozenset({"airflow"})
DEFAULT_MIN_LENGTH = 5
MAX_DEPTH = 5
_NON_WORD = re.compile(r"\W+")

_lock = threading.Lock()
_on_active: list[Callable[[], None]] = []
_secrets: set[str] = set()
_replacer: re.Pattern[str] | None = None
_sensitive_fields: tuple[str, ...] = tuple(sorted(DEFAULT_SENSITIVE_FIELDS))
_hide_sensitive: bool = True
_min_length: int = DEFAULT_MIN_LENGTH
_configured: tuple[str, bool, int] = ("", True, DEFAULT_MIN_LENGTH)
_warned_short = False
_hidden_names: dict[str, bool] = {}  # should_hide_value_for_key by name (field names repeat every try)


def configure(sensitive_var_conn_names: str = "", hide_sensitive_var_conn_fields: bool = True,
              min_length: int = DEFAULT_MIN_LENGTH) -> None:
    """Apply ``[core] sensitive_var_conn_names`` (comma-separated words added to the default
    ones), ``[core] hide_sensitive_var_conn_fields`` and ``[logging] min_length_masked_secret``.
    Cheap when nothing changed (it runs for every try)."""
    global _sensitive_fields, _hide_sensitive, _min_length, _configured
    key = (sensitive_var_conn_names, hide_sensitive_var_conn_fields, min_length)
    if key == _configured:
        return
    extra = {word.strip().lower() for word in sensitive_var_conn_names.split(",") if word.strip()}
    _sensitive_fields = tuple(sorted(DEFAULT_SENSITIVE_FIELDS | extra))
    _hide_sensitive, _min_length, _configured = hide_sensitive_var_conn_fields, max(min_length, 1), key
    _hidden_names.clear()


def should_hide_value_for_key(name: Any) -> bool:
    """Whether the value named ``name`` (a variable key, an extra's key, a field name) is secret."""
    if not isinstance(name, str) or not _hide_sensitive:
        return False
    hidden = _hidden_names.get(name)
    if hidden is None:
        normalized = _NON_WORD.sub("_", name.strip().lower())
        hidden = _hidden_names[name] = any(word in normalized for word in _sensitive_fields)
        if len(_hidden_names) > 10_000:  # names from user data (dict keys) must not grow it forever
            _hidden_names.clear()
    return hidden


def mask_secret(secret: Any, name: str | None = None) -> None:
    """Hide ``secret`` from everything this process writes from now on.

    With ``name``, only when the name is sensitive (see ``should_hide_value_for_key``). A dict is
    walked with its keys as names, a list or tuple item by item; short strings are not masked."""
    if not secret:
        return
    with _lock:  # threads of a task may register at once; readers only ever see a whole pattern
        if _add(secret, name, 0):
            _rebuild()


def _add(secret: Any, name: str | None, depth: int) -> bool:
    if depth > MAX_DEPTH:
        return False
    if isinstance(secret, dict):
        return any([_add(value, key, depth + 1) for key, value in secret.items()])
    if isinstance(secret, str):
        if name is not None and not should_hide_value_for_key(name):
            return False
        return _add_string(secret)
    if isinstance(secret, Iterable) and not isinstance(secret, (bytes, bytearray)):
        return any([_add(item, name, depth + 1) for item in secret])
    return False


def _add_string(secret: str) -> bool:
    global _warned_short
    if secret.lower() in NEVER_MASKED:
        return False
    if len(secret) < _min_length:
        if not _warned_short:
            _warned_short = True
            log.warning("Skipping masking for a secret as it's too short (<%d chars)", _min_length)
        return False
    added = False
    for form in _forms(secret):
        if len(form) >= _min_length and form not in _secrets:
            _secrets.add(form)
            added = True
    return added


def _forms(secret: str) -> Iterator[str]:
    """The secret as given, and as it is written in a URL, by ``repr()`` and in JSON."""
    yield secret
    yield quote(secret, safe="")
    yield quote_plus(secret)
    yield repr(secret)[1:-1]
    yield json.dumps(secret)[1:-1]
    yield json.dumps(secret, ensure_ascii=False)[1:-1]


def _rebuild() -> None:
    global _replacer
    first = _replacer is None
    # Longest first, so a secret that contains another one is hidden whole.
    _replacer = re.compile("|".join(re.escape(s) for s in sorted(_secrets, key=len, reverse=True)))
    _wrap_streams()
    if first:
        while _on_active:
            _on_active.pop(0)()


def when_active(callback: Callable[[], None]) -> None:
    """Call ``callback`` once, when the first secret is registered (now, if one is already): the
    task process uses it to mask its file descriptors only once there is something to mask."""
    with _lock:
        if _replacer is not None:
            callback()
        else:
            _on_active.append(callback)


def active() -> bool:
    """Whether any secret is registered in this process."""
    return _replacer is not None


def redact_text(text: str) -> str:
    """``text`` with every registered secret replaced by ``***``."""
    if _replacer is None:
        return text
    return _replacer.sub(REPLACEMENT, text)


def redact(value: Any, name: str | None = None, max_depth: int | None = None) -> Any:
    """A copy of ``value`` with secrets hidden: every string under a sensitive name (at any
    depth) becomes ``***``, registered secrets are replaced inside other strings; dicts, lists,
    tuples and sets are walked (a set comes back as a tuple, as in Airflow)."""
    try:
        return _redact(value, name, 0, max_depth or MAX_DEPTH)
    except Exception as err:  # noqa: BLE001 - better nothing than a secret
        log.warning("Unable to redact a value of type %s (%s: %s)", type(value).__name__, type(err).__name__, err)
        return "<redaction-failed>"


def _redact(item: Any, name: str | None, depth: int, max_depth: int) -> Any:
    if name is not None and should_hide_value_for_key(name):
        return _redact_all(item, depth, max_depth)
    if isinstance(item, dict):
        return {key: _redact(value, key, depth + 1, max_depth) for key, value in item.items()}
    if isinstance(item, (tuple, set, frozenset)):
        return tuple(_redact(value, None, depth + 1, max_depth) for value in item)
    if isinstance(item, list):
        return [_redact(value, None, depth + 1, max_depth) for value in item]
    if depth > max_depth:
        return item
    if isinstance(item, Enum):
        return _redact(item.value, name, depth, max_depth)
    if isinstance(item, str):
        return redact_text(item)
    return item


def _redact_all(item: Any, depth: int, max_depth: int) -> Any:
    if depth > max_depth or isinstance(item, str):
        return REPLACEMENT
    if isinstance(item, dict):
        return {key: _redact_all(value, depth + 1, max_depth) for key, value in item.items()}
    if isinstance(item, (tuple, set, frozenset)):
        return tuple(_redact_all(value, depth + 1, max_depth) for value in item)
    if isinstance(item, list):
        return [_redact_all(value, depth + 1, max_depth) for value in item]
    return item


def reset() -> None:
    """Forget every registered secret (tests; Airflow's ``reset_secrets_masker``)."""
    global _replacer
    _secrets.clear()
    _on_active.clear()
    _replacer = None


class MaskedStream:
    """A text stream whose writes go through ``redact_text``; everything else is the wrapped stream's."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def write(self, text: str) -> int:
        if _replacer is not None and isinstance(text, str):
            self.inner.write(_replacer.sub(REPLACEMENT, text))
            return len(text)
        return self.inner.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    @property
    def buffer(self) -> Any:
        """Bytes written to the binary layer are masked too."""
        return _MaskedBuffer(self.inner.buffer)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":  # not set yet (a copy being built): no endless lookup
            raise AttributeError(name)
        return getattr(self.inner, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.inner)


class _MaskedBuffer:
    def __init__(self, inner: Any) -> None:
        self.inner = inner

    def write(self, data: Any) -> int:
        if _replacer is None:
            return self.inner.write(data)
        text = bytes(data).decode("utf-8", "surrogateescape")
        self.inner.write(_replacer.sub(REPLACEMENT, text).encode("utf-8", "surrogateescape"))
        return len(data)

    def __getattr__(self, name: str) -> Any:
        if name == "inner":
            raise AttributeError(name)
        return getattr(self.inner, name)


def unwrapped(stream: Any) -> Any:
    """The stream under a ``MaskedStream`` (itself otherwise)."""
    return stream.inner if isinstance(stream, MaskedStream) else stream


def _wrap_streams() -> None:
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if stream is not None and not isinstance(stream, MaskedStream):
            setattr(sys, name, MaskedStream(stream))


def wrap_streams_if_active() -> None:
    """Wrap ``sys.stdout``/``sys.stderr`` again after they were replaced, if secrets are registered
    (a task process forked from a zygote whose DAG file read one points them at its log)."""
    if _replacer is not None:
        _wrap_streams()
