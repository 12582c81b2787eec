"""``-o table|json|yaml|plain``: ``slipstream.cli.output.print_rows``."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import click
import pytest
from click.testing import CliRunner

from slipstream.cli.output import FORMATS, output_option, print_rows

WHEN = datetime(2024, 1, 31, 2, 0, tzinfo=UTC)
ROWS = [
    {"dag_id": "a", "is_paused": False, "tags": ["x", "y"], "when": WHEN, "conf": {"k": [1]}, "none": None},
    {"dag_id": "bb", "is_paused": True, "tags": [], "when": None, "conf": {}, "none": None},
]


@click.command()
@click.option("--columns", default=None)
@output_option
def show(columns: str | None, output: str) -> None:
    print_rows(ROWS, output, columns.split(",") if columns else None)


@click.command()
@output_option
def empty(output: str) -> None:
    print_rows([], output)


def out(command: click.Command, *args: str) -> str:
    result = CliRunner().invoke(command, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_formats():
    assert FORMATS == ("table", "json", "yaml", "plain")
    assert "[table|json|yaml|plain]" in out(show, "--help")
    assert "default: table" in out(show, "--help")


def test_json_keeps_types():
    rows = json.loads(out(show, "-o", "json"))
    assert rows[0] == {
        "dag_id": "a", "is_paused": False, "tags": ["x", "y"], "when": "2024-01-31T02:00:00+00:00",
        "conf": {"k": [1]}, "none": None,
    }
    assert rows[1]["is_paused"] is True and rows[1]["when"] is None


def test_yaml_is_the_json_rows():
    import yaml

    assert yaml.safe_load(out(show, "-o", "yaml")) == json.loads(out(show, "-o", "json"))
    assert yaml.safe_load(out(empty, "-o", "yaml")) == []


def test_json_with_columns_keeps_only_those():
    assert json.loads(out(show, "-o", "json", "--columns", "dag_id,is_paused")) == [
        {"dag_id": "a", "is_paused": False}, {"dag_id": "bb", "is_paused": True},
    ]


def test_plain_is_aligned_columns():
    lines = out(show, "-o", "plain", "--columns", "dag_id,is_paused,tags,when,conf").splitlines()
    assert lines == [
        "dag_id | is_paused | tags | when                      | conf",
        "a      | False     | x, y | 2024-01-31T02:00:00+00:00 | {\"k\": [1]}",
        "bb     | True      |      | None                      | {}",
    ]


def test_table_has_every_value():
    text = out(show, "--columns", "dag_id,is_paused,tags,when,conf")
    for value in ("dag_id", "is_paused", "a", "bb", "False", "True", "x, y", "2024-01-31T02:00:00+00:00", '{"k": [1]}'):
        assert value in text
    assert text.count("\n") >= 6  # header, rules and two rows


@pytest.mark.parametrize("text", ["[task_a, task_b] >> [task_c]", "[/]", "[bold]not bold[/bold]", "list[str]"])
def test_table_shows_brackets_as_text(text):
    @click.command()
    def one() -> None:
        print_rows([{"error": text}], "table")

    assert text in out(one)


def test_default_columns_are_the_row_keys():
    header = out(show, "-o", "plain").splitlines()[0]
    assert [c.strip() for c in header.split("|")] == list(ROWS[0])


def test_no_rows():
    assert out(empty).strip() == "No data found"
    assert out(empty, "-o", "plain").strip() == "No data found"
    assert json.loads(out(empty, "-o", "json")) == []


def test_unknown_format_is_refused():
    result = CliRunner().invoke(show, ["-o", "csv"])
    assert result.exit_code == 2
    assert "'csv' is not one of 'table', 'json', 'yaml', 'plain'" in result.stderr
