"""The ``order_by`` of a listing as Airflow's REST API takes it: field names, each with a leading
``-`` for descending, checked against the fields the listing can sort by."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from slipstream.services.errors import InvalidRequest

MAX_SORT_FIELDS = 10


def parse_order_by(values: Sequence[str] | str | None, allowed: Iterable[str]) -> list[tuple[str, bool]]:
    """``["-next_dagrun", "dag_id"]`` as ``[("next_dagrun", True), ("dag_id", False)]``;
    ``InvalidRequest`` naming the allowed fields for any other field."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    allowed = list(allowed)
    names = [value.strip() for value in values if value.strip()]
    if len(names) > MAX_SORT_FIELDS:
        raise InvalidRequest(f"Ordering by more than {MAX_SORT_FIELDS} fields is not allowed: got {len(names)}")
    order = []
    for value in names:
        descending = value.startswith("-")
        name = value.lstrip("-")
        if name not in allowed:
            raise InvalidRequest(
                f"Ordering by {name!r} is not allowed: order_by takes one of {', '.join(allowed)} "
                "(prefix a field with '-' for descending order)"
            )
        order.append((name, descending))
    return order
