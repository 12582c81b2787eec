"""Params: defaults, JSON-schema validation, and the ParamsDict mapping."""

from __future__ import annotations

import pytest

from slipstream.sdk import Param, ParamsDict
from slipstream.sdk.exceptions import ParamValidationError
from slipstream.sdk.param import NOTSET


def test_param_resolves_to_its_default() -> None:
    assert Param(5, type="integer").resolve() == 5


def test_param_given_value_wins() -> None:
    assert Param(5, type="integer").resolve(7) == 7


def test_enum_violation_names_param_and_rule() -> None:
    param = Param("daily", enum=["daily", "custom"], description="Execution mode")
    with pytest.raises(ParamValidationError, match=r"'weekly' for param 'mode'.*rule: enum \['daily', 'custom'\]"):
        param.resolve("weekly", name="mode")


def test_type_violation() -> None:
    with pytest.raises(ParamValidationError, match=r"'ten' for param 'events_per_partition'.*rule: type 'integer'"):
        Param(10, type="integer").resolve("ten", name="events_per_partition")


def test_date_format_is_checked() -> None:
    param = Param("2024-01-01", format="date")
    assert param.resolve("2024-02-29") == "2024-02-29"
    with pytest.raises(ParamValidationError, match="format 'date'"):
        param.resolve("tomorrow-ish", name="start_date")


def test_param_without_default_needs_a_value() -> None:
    param = Param(type="string")
    assert not param.has_value
    with pytest.raises(ParamValidationError, match="No value given for param 'p'"):
        param.resolve(name="p")
    assert param.resolve("given") == "given"


def test_minimum_and_maximum() -> None:
    param = Param(5, type="integer", minimum=1, maximum=10)
    assert param.resolve(10) == 10
    with pytest.raises(ParamValidationError, match="maximum"):
        param.resolve(11)


def test_params_dict_reads_values_and_keeps_params() -> None:
    params = ParamsDict({"plain": 1, "rich": Param("a", enum=["a", "b"])})
    assert params["plain"] == 1 and params["rich"] == "a"
    assert len(params) == 2 and list(params) == ["plain", "rich"]
    assert params.get_param("rich").schema == {"enum": ["a", "b"]}
    assert params.dump() == {"plain": 1, "rich": "a"}


def test_copying_a_params_dict_keeps_schemas() -> None:
    original = ParamsDict({"n": Param(1, type="integer", description="count")})
    for copy in (ParamsDict(original), original.copy()):
        assert copy.get_param("n").schema == {"type": "integer"}
        assert copy.get_param("n").description == "count"
    merged = ParamsDict({"n": 0, "other": 2})
    merged.update(original)
    assert merged.get_param("n").schema == {"type": "integer"}
    assert dict(merged) == {"n": 1, "other": 2}


def test_copy_is_independent() -> None:
    original = ParamsDict({"n": Param(1)})
    copy = original.copy()
    copy.update({"n": 2})
    assert original["n"] == 1 and copy["n"] == 2


def test_resolve_merges_overrides_and_validates_each() -> None:
    params = ParamsDict({"mode": Param("daily", enum=["daily", "custom"]), "n": 3})
    assert params.resolve() == {"mode": "daily", "n": 3}
    assert params.resolve({"mode": "custom", "unknown": "kept"}) == {"mode": "custom", "n": 3, "unknown": "kept"}
    with pytest.raises(ParamValidationError, match="'mode'"):
        params.resolve({"mode": "weekly"})


def test_serialize_round_trip() -> None:
    params = ParamsDict(
        {"mode": Param("daily", enum=["daily", "custom"], description="Mode"), "required": Param(type="string"), "n": 1}
    )
    data = params.serialize()
    assert data["mode"] == {
        "default": "daily", "has_default": True, "description": "Mode", "schema": {"enum": ["daily", "custom"]}
    }
    assert data["required"]["has_default"] is False
    back = ParamsDict.deserialize(data)
    assert back.dump() == {"mode": "daily", "required": None, "n": 1}
    assert back.get_param("mode").schema == {"enum": ["daily", "custom"]}
    assert back.get_param("required").value is NOTSET
    with pytest.raises(ParamValidationError):
        back.resolve({"mode": "weekly", "required": "x"})
