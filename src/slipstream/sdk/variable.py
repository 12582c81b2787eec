"""``Variable``: named values read by DAG files and tasks, as Airflow spells them.

Values are text; ``deserialize_json`` / ``serialize_json`` convert JSON. A key is looked up in the
environment (``SLIPSTREAM_VAR_<KEY>``, ``AIRFLOW_VAR_<KEY>``) before the store (``sdk/secrets.py``).
The value of a variable whose key is sensitive (``api_key``, ``db_password``...) is masked in
everything the process writes once it is read (``sdk/secrets_masker.py``), as in Airflow.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slipstream.sdk import secrets
from slipstream.sdk.secrets_masker import mask_secret

log = logging.getLogger(__name__)


class _NotSet:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = _NotSet()


class Variable:
    """``Variable.get / set / delete / setdefault / update`` (class methods, as in Airflow)."""

    def __init__(self, key: str | None = None, val: Any = None, description: str | None = None) -> None:
        self.key, self.val, self.description = key, val, description

    def __repr__(self) -> str:
        return f"{self.key}"

    @staticmethod
    def _lookup(key: str) -> str | None:
        value = secrets.variable_from_environment(key)
        if value is not None:
            return value
        return secrets.current_provider(f"Variable {key!r}").get_variable(key=key)

    @classmethod
    def get(cls, key: str, default_var: Any = NOTSET, deserialize_json: bool = False, *, default: Any = NOTSET) -> Any:
        """The value of ``key`` (parsed as JSON with ``deserialize_json``); ``default_var`` (Airflow 2)
        or ``default`` (Airflow 3) when it does not exist, else ``KeyError``."""
        fallback = default_var if default_var is not NOTSET else default
        value = cls._lookup(key)
        if value is None:
            if fallback is not NOTSET:
                return fallback
            raise KeyError(f"Variable {key} does not exist")
        mask_secret(value, key)
        if not deserialize_json:
            return value
        try:
            parsed = json.loads(value)
        except json.JSONDecodeError as err:
            raise ValueError(f"Variable {key} is not valid JSON ({err}); read it without deserialize_json") from None
        # As Airflow: a string or list inherits the key's sensitivity, a dict is masked by its own keys.
        mask_secret(parsed, None if isinstance(parsed, dict) else key)
        return parsed

    @classmethod
    def set(cls, key: str, value: Any, description: str | None = None, serialize_json: bool = False) -> None:
        """Store ``value`` (as JSON with ``serialize_json``, else as ``str(value)``) in the store."""
        text = json.dumps(value, indent=2) if serialize_json else str(value)
        if secrets.variable_from_environment(key) is not None:
            log.warning(
                "Variable %s is also set in the environment, which is read first: the stored value is updated, "
                "but Variable.get returns the environment's value until that environment variable is removed",
                key,
            )
        secrets.current_provider(f"Variable.set({key!r})").set_variable(key=key, value=text, description=description)

    @classmethod
    def delete(cls, key: str) -> int:
        """Remove ``key`` from the store; returns how many were removed (0 or 1)."""
        return secrets.current_provider(f"Variable.delete({key!r})").delete_variable(key=key)

    @classmethod
    def setdefault(cls, key: str, default: Any, description: str | None = None, deserialize_json: bool = False) -> Any:
        """The value of ``key``; when it does not exist, store ``default`` and return it."""
        value = cls.get(key, default_var=None, deserialize_json=deserialize_json)
        if value is None:
            if default is None:
                raise ValueError("Default value must be set")
            cls.set(key, default, description=description, serialize_json=deserialize_json)
            return default
        return value

    @classmethod
    def update(cls, key: str, value: Any, serialize_json: bool = False) -> None:
        """Change an existing variable; ``KeyError`` if it does not exist."""
        if cls._lookup(key) is None:
            raise KeyError(f"Variable {key} does not exist")
        cls.set(key, value, serialize_json=serialize_json)


class VariableAccessor:
    """``{{ var.value.x }}`` / ``{{ var.json.x }}`` and ``.get('x', default)`` in templates."""

    def __init__(self, *, deserialize_json: bool) -> None:
        self._deserialize_json = deserialize_json

    def __getattr__(self, key: str) -> Any:
        if key.startswith("__"):
            raise AttributeError(key)
        return Variable.get(key, deserialize_json=self._deserialize_json)

    def get(self, key: str, default_var: Any = NOTSET) -> Any:
        if default_var is NOTSET:
            return Variable.get(key, deserialize_json=self._deserialize_json)
        return Variable.get(key, default_var=default_var, deserialize_json=self._deserialize_json)

    def __repr__(self) -> str:
        return "<VariableAccessor (dynamic access)>"
