"""SyncCallback and AsyncCallback: a callable kept by its dotted path and its kwargs."""

from __future__ import annotations

import pytest

from slipstream.sdk.callback import AsyncCallback, SyncCallback


def alert(context: dict) -> None:
    return None


async def alert_async(context: dict) -> None:
    return None


class Notifier:
    def __init__(self, text: str) -> None:
        self.text = text


def test_a_callable_is_kept_by_its_dotted_path() -> None:
    callback = SyncCallback(alert, kwargs={"channel": "ops"}, executor="local")
    assert callback.path == f"{__name__}.alert"
    assert callback.serialize() == {"path": f"{__name__}.alert", "kwargs": {"channel": "ops"}, "executor": "local"}
    assert SyncCallback(Notifier).path == f"{__name__}.Notifier"
    assert AsyncCallback(alert_async).serialize() == {"path": f"{__name__}.alert_async", "kwargs": {}}
    assert SyncCallback(f"{__name__}.alert") == SyncCallback(alert)
    assert SyncCallback(alert) != AsyncCallback(alert_async)
    assert len({SyncCallback(alert), SyncCallback(alert)}) == 1


def test_bad_callbacks_are_refused_with_the_reason() -> None:
    with pytest.raises(AttributeError, match="is not awaitable"):
        AsyncCallback(alert)
    with pytest.raises(ValueError, match="'context' is a reserved keyword argument"):
        SyncCallback(alert, kwargs={"context": {}})
    with pytest.raises(ImportError, match="doesn't look like a valid dot path"):
        SyncCallback("not a path")
    with pytest.raises(ValueError, match="cannot be imported by path"):
        SyncCallback(lambda context: None)

    def local(context: dict) -> None:
        return None

    with pytest.raises(ValueError, match="cannot be imported by path"):
        SyncCallback(local)
    with pytest.raises(TypeError, match="is an object, not a function or class"):
        SyncCallback(_CallableObject())
    with pytest.raises(TypeError, match="kwargs must be a dict"):
        SyncCallback(alert, kwargs=[1, 2])  # type: ignore[arg-type]


class _CallableObject:
    def __call__(self, context: dict) -> None:
        return None
