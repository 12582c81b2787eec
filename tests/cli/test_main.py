"""``slipstream`` itself: the command tree, its documentation, ``version``, ``--help``, database errors."""

from __future__ import annotations

import re
import sys

import click
import pytest
from cli_helpers import DOCS, free_port, invoke, no_traceback, run

import slipstream
from slipstream.cli import not_yet
from slipstream.cli.main import cli


def command_paths(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command and subcommand registered in the click tree, e.g. ("dags", "list-runs"); not the
    Airflow commands answered "not yet" (tests/cli/test_cli_tree.py checks those)."""
    paths: list[tuple[str, ...]] = []
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if " ".join(path) in not_yet.MISSING:
            continue
        if isinstance(command, click.Group):
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


ALL_COMMANDS = command_paths()


def documented_headings() -> set[str]:
    return {m.group(1).strip() for m in re.finditer(r"^## slipstream (.+)$", DOCS.read_text(), re.MULTILINE)}


def test_the_tree_has_the_airflow_shaped_commands():
    expected = {
        ("version",), ("db", "migrate"), ("db", "check"), ("db", "reset"),
        ("dags", "list"), ("dags", "list-import-errors"), ("dags", "show"), ("dags", "trigger"), ("dags", "test"),
        ("dags", "list-runs"), ("dags", "pause"), ("dags", "unpause"),
        ("tasks", "list"), ("tasks", "test"), ("tasks", "states-for-dag-run"),
        ("scheduler",), ("standalone",), ("config", "get-value"), ("config", "list"),
    }
    assert expected <= set(ALL_COMMANDS)


def test_every_command_is_documented_in_docs_cli_md():
    headings = documented_headings()
    missing = [" ".join(path) for path in ALL_COMMANDS if " ".join(path) not in headings]
    assert not missing, f"commands without a `## slipstream <command>` heading in {DOCS}: {missing}"


def test_every_documented_command_exists():
    real = {" ".join(path) for path in ALL_COMMANDS}
    stale = sorted(documented_headings() - real)
    assert not stale, f"{DOCS} documents commands that do not exist: {stale}"


def test_every_documented_command_mentions_its_options():
    from slipstream.cli.verbose import VerboseOption

    text = DOCS.read_text()
    assert "`-v`, `--verbose`" in text.split("\n## slipstream ")[0]  # described once, for every command
    sections = dict(re.findall(r"^## slipstream (.+?)\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL))
    for path in ALL_COMMANDS:
        command = cli
        for name in path:
            command = command.commands[name]
        for param in command.params:
            if isinstance(param, click.Option) and "--help" not in param.opts and not isinstance(param, VerboseOption):
                assert param.opts[-1] in sections[" ".join(path)] or any(
                    opt in sections[" ".join(path)] for opt in param.opts
                ), f"`slipstream {' '.join(path)}` option {param.opts} is not documented"


@pytest.mark.parametrize("path", ALL_COMMANDS, ids=" ".join)
def test_help_of_every_command(runner, path):
    result = invoke(runner, *path, "--help")
    assert f"Usage: slipstream {' '.join(path)}" in result.stdout
    assert invoke(runner, *path, "-h").stdout == result.stdout


def test_version(runner):
    assert invoke(runner, "version").stdout.strip() == slipstream.__version__


def test_version_as_a_real_process():
    assert run("version").stdout.strip() == slipstream.__version__
    module = __import__("subprocess").run(
        [sys.executable, "-m", "slipstream.cli.main", "version"], capture_output=True, text=True, timeout=60
    )
    assert module.returncode == 0, module.stderr
    assert module.stdout.strip() == slipstream.__version__


def test_help_as_a_real_process():
    done = run("--help")
    for group in ("config", "dags", "db", "scheduler", "standalone", "tasks", "version"):
        assert re.search(rf"^\s+{group}\s", done.stdout, re.MULTILINE), done.stdout
    assert run("-h").stdout == done.stdout
    assert "Usage: slipstream dags" in run("dags", "--help").stdout


def test_unknown_command_is_a_usage_error(runner):
    result = invoke(runner, "dag", code=2)
    assert "No such command 'dag'" in result.stderr
    result = invoke(runner, "dags", "lst", code=2)
    assert "No such command 'lst'" in result.stderr


def test_unknown_option_is_a_usage_error(runner):
    result = invoke(runner, "dags", "list", "--nope", code=2)
    assert "No such option" in result.stderr and "--nope" in result.stderr


def test_an_unreachable_database_is_one_clear_error_not_a_traceback(monkeypatch):
    url = f"postgresql+psycopg://slip:s3cret@127.0.0.1:{free_port()}/slip"
    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", url)
    for args in (("dags", "list"), ("db", "migrate"), ("db", "reset", "-y"), ("dags", "list-runs", "x")):
        done = run(*args, code=1)
        assert done.stderr.startswith("Error: Cannot use the database postgresql+psycopg://slip:***@127.0.0.1"), done.stderr
        assert "refused" in done.stderr
        assert "s3cret" not in done.stderr
        assert no_traceback(done.stderr)


def test_a_database_url_that_is_not_one_is_a_clear_error(runner, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", "nosuchdb://x")
    result = invoke(runner, "dags", "list", code=1)
    assert "Cannot use the database nosuchdb://x" in result.stderr
    assert "sql_alchemy_conn" in result.stderr


def test_a_file_that_is_not_a_database_is_a_clear_error(runner, tmp_path, monkeypatch):
    path = tmp_path / "notes.db"
    path.write_text("these are my notes, not a database\n" * 100)
    monkeypatch.setenv("SLIPSTREAM__DATABASE__SQL_ALCHEMY_CONN", f"sqlite:///{path}")
    result = invoke(runner, "dags", "list", code=1)
    assert f"Cannot use the database sqlite:///{path}: file is not a database" in result.stderr
