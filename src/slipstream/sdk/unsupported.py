"""Stand-ins for the Airflow names of features Slipstream deliberately does not offer.

Importing one works, so a DAG file that imports more than it uses still loads; *using* one
(instantiating it, calling it, reading one of its attributes) raises ``UnsupportedFeatureError``
naming the feature and saying why it is not there.
"""

from __future__ import annotations

from typing import Any, NoReturn

from slipstream.sdk.exceptions import AirflowException


class UnsupportedFeatureError(AirflowException, NotImplementedError):
    """A DAG file used an Airflow feature that Slipstream does not support."""


def _refuse(name: str, feature: str, why: str) -> NoReturn:
    raise UnsupportedFeatureError(
        f"{name}: {feature} is an Airflow feature that Slipstream does not support ({why}). "
        f"Remove the use of {name} from the DAG file."
    )


class _UnsupportedMeta(type):
    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse(cls.__name__, cls.__slipstream_feature__, cls.__slipstream_why__)

    def __getattr__(cls, attribute: str) -> NoReturn:
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        _refuse(f"{cls.__name__}.{attribute}", cls.__slipstream_feature__, cls.__slipstream_why__)


def unsupported_class(name: str, feature: str, why: str) -> type:
    """A class that imports and can be subclassed, but refuses to be instantiated or read."""
    return _UnsupportedMeta(
        name,
        (),
        {
            "__slipstream_unsupported__": True,
            "__slipstream_feature__": feature,
            "__slipstream_why__": why,
            "__module__": "slipstream.sdk.unsupported",
            "__doc__": f"Stand-in for Airflow's {name}: {feature} is not supported by Slipstream.",
        },
    )


def unsupported_function(name: str, feature: str, why: str) -> Any:
    """A function that imports, and refuses to be called."""

    def refuse(*args: Any, **kwargs: Any) -> NoReturn:
        _refuse(name, feature, why)

    refuse.__name__ = refuse.__qualname__ = name
    refuse.__doc__ = f"Stand-in for Airflow's {name}: {feature} is not supported by Slipstream."
    refuse.__slipstream_unsupported__ = True  # type: ignore[attr-defined]
    return refuse


# name -> (kind, feature, why)
_STAND_INS: dict[str, tuple[str, str, str]] = {}

# Names of ``airflow.sdk.__all__`` among them (the others live in other Airflow modules).
STAND_IN_NAMES = frozenset(_STAND_INS)

_HITL = ("human-in-the-loop operators", "Slipstream has no UI where a person could answer them")
_STAND_INS.update({
    "AirflowPlugin": ("class", "plugins", "Slipstream loads no plugins; import what a plugin offers from its module"),
    "PriorityWeightStrategy": ("class", "custom priority weight strategies", "weight_rule takes downstream, "
                               "upstream or absolute"),
    **{name: ("class", *_HITL) for name in ("HITLOperator", "ApprovalOperator", "HITLBranchOperator",
                                             "HITLEntryOperator")},
    "SubDagOperator": ("class", "SubDAGs (removed in Airflow 3)", "group the tasks with a TaskGroup instead"),
})
_made: dict[str, Any] = {}


def stand_in(name: str) -> Any:
    """The stand-in for Airflow's ``name`` (one object per name, made on first use)."""
    if name not in _made:
        kind, feature, why = _STAND_INS[name]
        maker = unsupported_class if kind == "class" else unsupported_function
        _made[name] = maker(name, feature, why)
    return _made[name]


def is_stand_in(value: Any) -> bool:
    return bool(getattr(value, "__slipstream_unsupported__", False))


def __getattr__(name: str) -> Any:
    if name in _STAND_INS:
        return stand_in(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
