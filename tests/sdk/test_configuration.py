"""``conf``: Slipstream's settings read with Airflow's calls."""

from __future__ import annotations

from pathlib import Path

import pytest

from slipstream.sdk.configuration import SlipstreamConf
from slipstream.sdk.exceptions import AirflowConfigException


def test_reads_slipstreams_settings_from_file_and_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (home / "slipstream.toml").write_text("[core]\nparallelism = 7\nload_examples = false\n")
    monkeypatch.setenv("AIRFLOW__SCHEDULER__POLL_INTERVAL", "2.5")
    conf = SlipstreamConf()
    assert conf.get("core", "dags_folder") == str(home / "dags")
    assert conf.getint("core", "parallelism") == 7 and conf.get("core", "parallelism") == "7"
    assert conf.getboolean("core", "load_examples") is False
    assert conf.getfloat("scheduler", "poll_interval") == 2.5
    assert conf.has_option("core", "parallelism") and not conf.has_option("core", "no_such_option")
    assert conf.getsection("core")["parallelism"] == 7 and conf.getsection("nope") is None


def test_an_option_slipstream_lacks_comes_from_the_environment_or_the_fallback(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    conf = SlipstreamConf()
    assert conf.get("http", "timeout", fallback="30") == "30"
    assert conf.getint("http", "timeout", fallback=30) == 30
    monkeypatch.setenv("AIRFLOW__HTTP__TIMEOUT", "12")
    monkeypatch.setenv("AIRFLOW__HTTP__FLAGS", '{"a": [1, 2]}')
    monkeypatch.setenv("AIRFLOW__HTTP__HOSTS", "a, b,,c")
    assert conf.getint("http", "timeout") == 12
    assert conf.getjson("http", "flags") == {"a": [1, 2]}
    assert conf.getlist("http", "hosts") == ["a", "b", "c"]
    with pytest.raises(AirflowConfigException, match=r"\[http/missing\].*AIRFLOW__HTTP__MISSING"):
        conf.get("http", "missing")


def test_a_value_of_the_wrong_type_says_which_option(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW__HTTP__TIMEOUT", "soon")
    with pytest.raises(AirflowConfigException, match='Failed to convert value to int.*"timeout" key in "http"'):
        SlipstreamConf().getint("http", "timeout")
