"""Settings: defaults, slipstream.toml, and SLIPSTREAM__/AIRFLOW__ environment variables."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from slipstream.config import OPTIONS, Config, ConfigError, Settings
from slipstream.config.settings import default_home


def write_toml(home: Path, text: str) -> Path:
    path = home / "slipstream.toml"
    path.write_text(text)
    return path


def test_defaults(home: Path) -> None:
    settings = Settings.load(home)
    assert settings.home == home.resolve()
    assert settings.dags_folder == home.resolve() / "dags"
    assert settings.base_log_folder == home.resolve() / "logs"
    assert settings.sql_alchemy_conn == f"sqlite:///{home.resolve()}/slipstream.db"
    assert settings.parallelism == 32
    assert settings.load_examples is True
    assert settings.dagbag_import_timeout == 30.0
    assert settings.default_timezone == "utc"
    assert settings.parsing_processes == 2


def test_every_option_has_a_type_default_and_description() -> None:
    for section, options in OPTIONS.items():
        for key, (kind, default, description) in options.items():
            assert kind in (bool, int, float, str), (section, key)
            assert isinstance(default, kind), (section, key)
            assert description, (section, key)


def test_home_comes_from_slipstream_home_then_airflow_home(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert default_home() == home
    assert Settings.load().home == home.resolve()
    monkeypatch.delenv("SLIPSTREAM_HOME")
    monkeypatch.setenv("AIRFLOW_HOME", str(home / "af"))
    assert default_home() == home / "af"


def test_values_from_the_config_file(home: Path) -> None:
    path = write_toml(home, """
[core]
parallelism = 8
load_examples = false
dags_folder = "{home}/my_dags"
dagbag_import_timeout = 5

[scheduler]
parsing_processes = 4
""")
    config = Config.load(home)
    settings = Settings.from_config(config)
    assert settings.parallelism == 8
    assert settings.load_examples is False
    assert settings.dags_folder == home.resolve() / "my_dags"
    assert settings.dagbag_import_timeout == 5.0 and isinstance(settings.dagbag_import_timeout, float)
    assert settings.parsing_processes == 4
    assert config.sources["core"]["parallelism"] == str(path)
    assert config.sources["core"]["max_active_runs_per_dag"] == "default"


def test_slipstream_environment_variable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(home, "[core]\nparallelism = 8\n")
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "12")
    config = Config.load(home)
    assert config.get("core", "parallelism") == 12
    assert config.sources["core"]["parallelism"] == "environment"


def test_airflow_environment_variable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_toml(home, "[core]\nparallelism = 8\n")
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "6")
    assert Settings.load(home).parallelism == 6


def test_slipstream_variable_wins_over_airflow_variable(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "6")
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "12")
    assert Settings.load(home).parallelism == 12


def test_environment_passed_explicitly(home: Path) -> None:
    config = Config.load(home, environ={"SLIPSTREAM__SCHEDULER__POLL_INTERVAL": "0.25"})
    assert config.get("scheduler", "poll_interval") == 0.25


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("yes", True), ("False", False), ("0", False), ("off", False)]
)
def test_boolean_values(home: Path, monkeypatch: pytest.MonkeyPatch, raw: str, expected: bool) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", raw)
    assert Settings.load(home).load_examples is expected


def test_invalid_environment_value_names_the_option(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "lots")
    with pytest.raises(ConfigError, match=r"\[core\] parallelism from environment.*'lots'"):
        Settings.load(home)


def test_invalid_boolean_names_the_option(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__CORE__LOAD_EXAMPLES", "maybe")
    with pytest.raises(ConfigError, match=r"\[core\] load_examples.*expected true or false, got 'maybe'"):
        Settings.load(home)


def test_invalid_file_value_names_the_option_and_file(home: Path) -> None:
    path = write_toml(home, '[scheduler]\ntask_heartbeat_sec = "often"\n')
    with pytest.raises(ConfigError, match=rf"\[scheduler\] task_heartbeat_sec from {path}"):
        Settings.load(home)


def test_unknown_option_in_the_file(home: Path) -> None:
    write_toml(home, "[core]\nparalelism = 4\n")
    with pytest.raises(ConfigError, match=r"unknown option 'paralelism' in \[core\]"):
        Settings.load(home)


def test_unknown_section_in_the_file(home: Path) -> None:
    write_toml(home, "[webserver]\nport = 8080\n")
    with pytest.raises(ConfigError, match=r"unknown section \[webserver\]"):
        Settings.load(home)


def test_malformed_file(home: Path) -> None:
    path = write_toml(home, "[core\nparallelism = \n")
    with pytest.raises(ConfigError, match=str(path)):
        Settings.load(home)


def test_unknown_option_lookup(home: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown option \[core\] nope"):
        Config.load(home).get("core", "nope")


def test_overrides_and_replace(home: Path) -> None:
    settings = Settings.load(home, load_examples=False, task_heartbeat_sec=1.0)
    assert settings.load_examples is False and settings.task_heartbeat_sec == 1.0
    changed = settings.replace(parallelism=2)
    assert changed.parallelism == 2 and settings.parallelism == 32
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.parallelism = 3  # type: ignore[misc]


def test_dag_folders(home: Path) -> None:
    with_examples = Settings.load(home)
    folders = with_examples.dag_folders()
    assert folders[0] == home.resolve() / "dags"
    assert len(folders) == 2 and folders[1].name == "example_dags"
    assert Settings.load(home, load_examples=False).dag_folders() == [home.resolve() / "dags"]


def test_settings_fixture(settings: Settings, home: Path) -> None:
    assert settings.home == home.resolve()
    assert settings.load_examples is False
    assert settings.task_heartbeat_sec == 1.0
