"""How values are kept in the store: XCom values as JSON, rendered fields as what JSON can hold.

Plain functions with no database access, so a task process checks and shapes what it will
send to the store without loading SQLAlchemy.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any


class XComNotSerializable(TypeError):
    """A task returned or pushed a value that is not JSON."""


def encode(value: Any) -> str:
    """An XCom value as stored (JSON text); a value that is not JSON is refused, saying so."""
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as err:
        raise XComNotSerializable(
            f"XCom values must be JSON (str, int, float, bool, None, list, dict); got {type(value).__name__}: {err}"
        ) from None


def storable(value: Any) -> Any:
    """``value`` as JSON can hold it: lists, dicts (keys as text) and JSON scalars as they are,
    tuples and sets as lists, anything else as its ``str``."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, Mapping):
        return {str(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [storable(v) for v in value]
    return str(value)
