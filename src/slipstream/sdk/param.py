"""Params: named run arguments with a default and a JSON-schema rule."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any

from slipstream.sdk.exceptions import ParamValidationError


class _NoValue:
    def __repr__(self) -> str:
        return "NOTSET"


NOTSET: Any = _NoValue()


class Param:
    """A param: its default value, a description and the JSON-schema keywords it must satisfy."""

    def __init__(self, default: Any = NOTSET, description: str | None = None, **schema: Any) -> None:
        self.value = default
        self.description = description
        self.schema = schema

    def __repr__(self) -> str:
        return f"Param({self.value!r}, schema={self.schema!r})"

    @property
    def has_value(self) -> bool:
        return self.value is not NOTSET

    def resolve(self, value: Any = NOTSET, name: str = "param") -> Any:
        """Return the value (given or default) after checking it against the schema."""
        final = self.value if value is NOTSET else value
        if final is NOTSET:
            raise ParamValidationError(f"No value given for param {name!r} and it has no default")
        if self.schema:
            import jsonschema

            try:
                jsonschema.validate(final, self.schema, format_checker=jsonschema.FormatChecker())
            except jsonschema.ValidationError as err:
                raise ParamValidationError(
                    f"Invalid value {final!r} for param {name!r}: {err.message} "
                    f"(rule: {err.validator} {err.validator_value!r})"
                ) from None
        return final

    def serialize(self) -> dict[str, Any]:
        return {
            "default": None if self.value is NOTSET else self.value,
            "has_default": self.value is not NOTSET,
            "description": self.description,
            "schema": self.schema,
        }

    @classmethod
    def deserialize(cls, data: Mapping[str, Any]) -> Param:
        default = data["default"] if data.get("has_default", True) else NOTSET
        return cls(default, description=data.get("description"), **data.get("schema", {}))


class ParamsDict(Mapping[str, Any]):
    """Params by name; reading a key gives its value, ``get_param`` gives the Param."""

    def __init__(self, params: Mapping[str, Any] | None = None) -> None:
        self._params: dict[str, Param] = {}
        # Copying a ParamsDict keeps its Param objects (schema, description), not just the values.
        source = params._params if isinstance(params, ParamsDict) else (params or {})
        for name, value in source.items():
            self._params[name] = value if isinstance(value, Param) else Param(value)

    def __getitem__(self, key: str) -> Any:
        return self._params[key].value

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)

    def __repr__(self) -> str:
        return f"ParamsDict({self.dump()!r})"

    def get_param(self, key: str) -> Param:
        return self._params[key]

    def update(self, other: Mapping[str, Any]) -> None:
        merged = ParamsDict(other)
        self._params.update(merged._params)

    def copy(self) -> ParamsDict:
        return ParamsDict(copy.deepcopy(self._params))

    def dump(self) -> dict[str, Any]:
        return {k: (None if p.value is NOTSET else p.value) for k, p in self._params.items()}

    def resolve(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Values for a run: the defaults with ``overrides`` merged in, each one checked."""
        overrides = overrides or {}
        values = {name: param.resolve(overrides.get(name, NOTSET), name) for name, param in self._params.items()}
        values.update({k: v for k, v in overrides.items() if k not in self._params})
        return values

    def serialize(self) -> dict[str, Any]:
        return {name: p.serialize() for name, p in self._params.items()}

    @classmethod
    def deserialize(cls, data: Mapping[str, Any]) -> ParamsDict:
        return cls({name: Param.deserialize(p) for name, p in data.items()})
