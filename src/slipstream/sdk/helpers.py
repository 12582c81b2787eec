"""Small functions DAG files and providers import from Airflow's utils modules
(``airflow.utils.helpers``, ``airflow.utils.strings``, ``airflow.utils.operator_helpers``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from slipstream.sdk.context import determine_kwargs as _context_kwargs
from slipstream.sdk.dependencies import chain, chain_linear, cross_downstream

__all__ = [
    "apply_defaults", "chain", "chain_linear", "cross_downstream", "determine_kwargs", "merge_dicts", "to_boolean",
]


def apply_defaults(function: Callable[..., Any]) -> Callable[..., Any]:
    """``airflow.utils.decorators.apply_defaults`` of older custom operators: the ``__init__`` as it
    is (Slipstream, like Airflow 2, applies default_args to every operator's ``__init__`` itself)."""
    return function


def merge_dicts(first: Mapping[str, Any], second: Mapping[str, Any]) -> dict[str, Any]:
    """``first`` updated by ``second``, nested dicts merged the same way."""
    merged = dict(first)
    for key, value in second.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = merge_dicts(merged[key], value)
        else:
            merged[key] = value
    return merged


def to_boolean(text: str | None) -> bool:
    """True for 't', 'true', 'y', 'yes', '1' (any case), False for anything else."""
    return text is not None and text.strip().lower() in ("t", "true", "y", "yes", "1")


def determine_kwargs(function: Callable[..., Any], args: Sequence[Any], context: Mapping[str, Any]) -> dict[str, Any]:
    """The context keys ``function`` takes as parameters (all of them for ``**kwargs``)."""
    return _context_kwargs(function, args, {}, context)
