"""``import_string`` and friends (``airflow.utils.module_loading``), which providers use."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from types import ModuleType
from typing import Any


def import_string(dotted_path: str) -> Any:
    """The attribute named by ``package.module.Name``; ImportError says which part is missing."""
    module_path, _, name = dotted_path.rpartition(".")
    if not module_path:
        raise ImportError(f"{dotted_path!r} is not a dotted path (package.module.Name)")
    module = importlib.import_module(module_path)
    try:
        return getattr(module, name)
    except AttributeError:
        raise ImportError(f"Module {module_path!r} has no attribute {name!r} (from {dotted_path!r})") from None


def qualname(obj: Any) -> str:
    """``module.Name`` of a class, a function, or an instance's class."""
    target = obj if isinstance(obj, type) or callable(obj) and hasattr(obj, "__qualname__") else type(obj)
    return f"{target.__module__}.{target.__qualname__}"


def iter_namespace(namespace: ModuleType) -> Iterator[pkgutil.ModuleInfo]:
    return pkgutil.iter_modules(namespace.__path__, namespace.__name__ + ".")


def is_valid_dotpath(path: str) -> bool:
    return isinstance(path, str) and all(part.isidentifier() for part in path.split("."))
