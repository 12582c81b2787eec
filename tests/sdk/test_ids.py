"""dag_id, task_id, group ids and run_id: Airflow 3.3's rules, and '.'/'..' refused everywhere."""

from __future__ import annotations

import pytest

from slipstream import DAG, EmptyOperator, TaskGroup
from slipstream.sdk.ids import validate_group_key, validate_key, validate_run_id


@pytest.mark.parametrize("value", ["etl", "etl.v2", "a-b_c", "dàg", "x" * 250, "g.t", "...x", ".hidden"])
def test_airflow_keys_are_accepted(value: str) -> None:
    assert validate_key("dag_id", value) == value


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (".", "cannot be '.' or '..'"),
        ("..", "cannot be '.' or '..'"),
        ("../etc", "use only letters, digits, underscores, dashes and dots"),
        ("a/b", "use only letters"),
        ("a\x00b", "use only letters"),
        ("a b", "use only letters"),
        ("", "must not be empty"),
        ("x" * 251, "has 251 characters; at most 250"),
    ],
)
def test_bad_keys_are_refused_with_what_is_allowed(value: str, says: str) -> None:
    with pytest.raises(ValueError, match="dag_id") as raised:
        validate_key("dag_id", value)
    assert says in str(raised.value)


def test_a_key_must_be_a_string() -> None:
    with pytest.raises(TypeError, match="must be a string"):
        validate_key("task_id", 3)


def test_group_ids_have_no_dot_as_in_airflow() -> None:
    assert validate_group_key("extract-1") == "extract-1"
    for bad in ("a.b", ".", "..", "x" * 201):
        with pytest.raises(ValueError, match="group_id"):
            validate_group_key(bad)


def test_task_ids_are_checked_with_their_group_prefix() -> None:
    with DAG("prefixed", schedule=None), TaskGroup("g" * 200):
        with pytest.raises(ValueError, match="task_id 'g{40}'.*has 251 characters"):
            EmptyOperator(task_id="t" * 50)
        assert EmptyOperator(task_id="t" * 49).task_id == "g" * 200 + "." + "t" * 49
    with pytest.raises(ValueError, match="group_id 'a.b'"), DAG("dotted", schedule=None), TaskGroup("a.b"):
        pass


@pytest.mark.parametrize("value", ["..", ".", "../x", "a..b"])
def test_task_and_dag_constructors_refuse_dots_alone(value: str) -> None:
    if value in (".", ".."):
        with pytest.raises(ValueError, match="cannot be '.' or '..'"):
            DAG(value, schedule=None)
        with DAG("fine", schedule=None), pytest.raises(ValueError, match="cannot be '.' or '..'"):
            EmptyOperator(task_id=value)
    elif "/" in value:
        with pytest.raises(ValueError, match="not allowed"):
            DAG(value, schedule=None)
    else:
        assert DAG(value, schedule=None).dag_id == value  # as Airflow 3.3's SDK: a '..' inside is a name


@pytest.mark.parametrize(
    "value", ["my_run", "manual__2024-01-01T00:00:00+00:00", "scheduled__2024-01-01T00:00:00+00:00", "a~b:c+d.e-f"]
)
def test_run_ids_of_the_default_pattern_pass(value: str) -> None:
    assert validate_run_id(value) == value


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("..", "cannot be '.' or '..'"),
        (".", "cannot be '.' or '..'"),
        ("../x", "must not contain '..'"),
        ("a..b", "must not contain '..'"),
        ("a/b", "does not match the allowed pattern"),
        ("a\x00b", "does not match the allowed pattern"),
        ("run id", "does not match the allowed pattern"),
        ("", "must not be empty"),
    ],
)
def test_bad_run_ids_are_refused(value: str, says: str) -> None:
    with pytest.raises(ValueError) as raised:
        validate_run_id(value)
    assert says in str(raised.value)


def test_run_id_settings_and_reserved_prefixes() -> None:
    assert validate_run_id("a..b", allow_double_dot=True) == "a..b"
    with pytest.raises(ValueError, match="cannot be '.' or '..'"):
        validate_run_id("..", allow_double_dot=True)
    assert validate_run_id("run/1", pattern=r"^[a-z0-9/]+$") == "run/1"
    with pytest.raises(ValueError, match=r"\^\[a-z\]\+\$"):
        validate_run_id("Run1", pattern=r"^[a-z]+$")
    with pytest.raises(ValueError, match="kept for scheduled runs"):
        validate_run_id("scheduled__2024-01-01T00:00:00+00:00", run_type="manual")
    assert validate_run_id("manual__x", run_type="manual") == "manual__x"
