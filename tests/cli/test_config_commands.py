"""``slipstream config get-value | list``."""

from __future__ import annotations

from cli_helpers import invoke, invoke_json, no_traceback, run


def test_get_value_default(runner):
    assert invoke(runner, "config", "get-value", "core", "parallelism").stdout == "32\n"


def test_get_value_from_slipstream_variable(runner, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "7")
    assert invoke(runner, "config", "get-value", "core", "parallelism").stdout == "7\n"


def test_get_value_from_airflow_variable(runner, monkeypatch):
    monkeypatch.setenv("AIRFLOW__CORE__PARALLELISM", "9")
    assert invoke(runner, "config", "get-value", "core", "parallelism").stdout == "9\n"
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "7")  # Slipstream's own variable wins
    assert invoke(runner, "config", "get-value", "core", "parallelism").stdout == "7\n"


def test_get_value_from_the_config_file(runner, home):
    (home / "slipstream.toml").write_text("[core]\nparallelism = 5\n")
    assert invoke(runner, "config", "get-value", "core", "parallelism").stdout == "5\n"


def test_get_value_as_a_real_process(monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "7")
    assert run("config", "get-value", "core", "parallelism").stdout == "7\n"


def test_get_value_of_booleans_and_paths(runner, home):
    assert invoke(runner, "config", "get-value", "core", "load_examples").stdout == "false\n"
    assert invoke(runner, "config", "get-value", "core", "dags_folder").stdout.strip() == str(home / "dags")


def test_unknown_option_is_a_clear_error(runner):
    result = invoke(runner, "config", "get-value", "core", "no_such_option", code=1)
    assert result.stderr.startswith("Error: The option [core] no_such_option does not exist.")
    assert "[core] parallelism" in result.stderr  # lists what exists
    result = invoke(runner, "config", "get-value", "nosection", "parallelism", code=1)
    assert "[nosection] parallelism does not exist" in result.stderr


def test_a_bad_value_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "lots")
    done = run("config", "get-value", "core", "parallelism", code=1)
    assert "Configuration error: [core] parallelism from environment" in done.stderr
    assert no_traceback(done.stderr)


def test_a_bad_config_file_is_a_clear_error(runner, home):
    (home / "slipstream.toml").write_text("[core]\nparalelism = 5\n")
    result = invoke(runner, "config", "list", code=1)
    assert "unknown option 'paralelism' in [core]" in result.stderr


def test_list_json(runner, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "7")
    assert all(set(r) == {"section", "key", "value"} for r in invoke_json(runner, "config", "list"))
    rows = invoke_json(runner, "config", "list", "--include-sources", "--include-descriptions")
    assert all(set(r) == {"section", "key", "value", "source", "description"} for r in rows)
    by_key = {(r["section"], r["key"]): r for r in rows}
    assert by_key[("core", "parallelism")]["value"] == 7
    assert by_key[("core", "parallelism")]["source"] == "environment"
    assert by_key[("core", "max_active_runs_per_dag")]["source"] == "default"
    assert ("database", "sql_alchemy_conn") in by_key
    assert {r["section"] for r in rows} == {"core", "database", "logging", "scheduler", "celery", "api", "api_auth", "smtp", "cli"}


def test_list_one_section(runner):
    rows = invoke_json(runner, "config", "list", "--section", "database")
    assert [(r["section"], r["key"]) for r in rows] == [("database", "sql_alchemy_conn")]
    plain = invoke(runner, "config", "list", "--section", "scheduler", "-o", "plain").stdout
    assert "poll_interval" in plain and "parallelism" not in plain


def test_list_unknown_section(runner):
    result = invoke(runner, "config", "list", "--section", "nope", code=1)
    assert "The section [nope] does not exist" in result.stderr
    assert "core, database, logging, scheduler, celery, api, api_auth, smtp, cli" in result.stderr


def test_sensitive_options_are_shown_as_stars(runner, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__FERNET_KEY", "a-fernet-key-from-the-environment")
    monkeypatch.setenv("SLIPSTREAM__SMTP__SMTP_PASSWORD", "smtp-pw-123")
    rows = {(r["section"], r["key"]): r for r in invoke_json(runner, "config", "list", "-s")}
    assert rows[("core", "fernet_key")]["value"] == "***"
    assert rows[("core", "fernet_key")]["source"] == "environment"
    assert rows[("smtp", "smtp_password")]["value"] == "***"
    assert rows[("database", "sql_alchemy_conn")]["value"] == "***"
    assert rows[("core", "parallelism")]["value"] == 32
    plain = invoke(runner, "config", "list", "-o", "plain").stdout
    assert "a-fernet-key-from-the-environment" not in plain and "smtp-pw-123" not in plain
    result = invoke(runner, "config", "get-value", "core", "fernet_key")
    assert result.stdout == "***\n"
    assert "[core] fernet_key is sensitive: shown as ***; add --show-sensitive to print it." in result.stderr


def test_show_sensitive_prints_them(runner, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__SMTP__SMTP_PASSWORD", "smtp-pw-123")
    assert invoke(runner, "config", "get-value", "smtp", "smtp_password", "--show-sensitive").stdout == "smtp-pw-123\n"
    rows = {(r["section"], r["key"]): r for r in invoke_json(runner, "config", "list", "--show-sensitive")}
    assert rows[("smtp", "smtp_password")]["value"] == "smtp-pw-123"


def test_an_empty_sensitive_option_shows_it_is_empty(runner):
    rows = {(r["section"], r["key"]): r for r in invoke_json(runner, "config", "list")}
    assert rows[("core", "fernet_key")]["value"] == ""
    assert invoke(runner, "config", "get-value", "core", "fernet_key").stdout == "\n"


def test_masking_options(runner, monkeypatch):
    assert invoke(runner, "config", "get-value", "core", "hide_sensitive_var_conn_fields").stdout == "true\n"
    assert invoke(runner, "config", "get-value", "logging", "min_length_masked_secret").stdout == "5\n"
    monkeypatch.setenv("AIRFLOW__CORE__SENSITIVE_VAR_CONN_NAMES", "tenant,region")
    assert invoke(runner, "config", "get-value", "core", "sensitive_var_conn_names").stdout == "tenant,region\n"


def test_list_flags_add_columns_as_airflow_names_them(runner, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__PARALLELISM", "7")
    rows = {(r["section"], r["key"]): r for r in invoke_json(runner, "config", "list", "-d", "-e", "-V", "-s")}
    row = rows[("core", "parallelism")]
    assert list(row) == ["section", "key", "value", "description", "example", "env_var", "source"]
    assert (row["value"], row["example"], row["env_var"], row["source"]) == (
        7, "parallelism = 7", "SLIPSTREAM__CORE__PARALLELISM", "environment")
    assert rows[("core", "dags_folder")]["example"].startswith('dags_folder = "/')
    defaults = {(r["section"], r["key"]): r for r in invoke_json(runner, "config", "list", "--defaults")}
    assert defaults[("core", "parallelism")]["value"] == 32  # the default, not the environment's 7
    assert set(defaults[("core", "parallelism")]) == {"section", "key", "value", "description", "example", "env_var"}


def test_list_show_values_and_hide_sensitive(runner, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__SMTP__SMTP_PASSWORD", "smtp-pw-123")
    rows = {(r["section"], r["key"]): r["value"] for r in invoke_json(runner, "config", "list", "--show-values")}
    assert rows[("smtp", "smtp_password")] == "smtp-pw-123"
    for hidden in (("--show-values", "--hide-sensitive"), ("--hide-sensitive",), ()):
        rows = {(r["section"], r["key"]): r["value"] for r in invoke_json(runner, "config", "list", *hidden)}
        assert rows[("smtp", "smtp_password")] == "***"


def test_list_color(runner):
    assert "\x1b[" in invoke(runner, "config", "list", "--section", "scheduler", "--color", "on").stdout
    assert "\x1b[" not in invoke(runner, "config", "list", "--section", "scheduler", "--color", "off").stdout
    assert "\x1b[" not in invoke(runner, "config", "list", "--section", "scheduler").stdout  # auto: not a terminal
