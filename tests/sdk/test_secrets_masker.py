"""The secrets masker: what is masked, in which forms, and where (streams, log records, values)."""

from __future__ import annotations

import io
import logging
import sys

import pytest

from slipstream.sdk import secrets_masker
from slipstream.sdk.secrets_masker import mask_secret, redact, redact_text, should_hide_value_for_key


@pytest.mark.parametrize("name", [
    "password", "db_password", "API_KEY", "my-apikey", "access_token", "private_key", "token", "secret",
    "Authorization", "passwd", "service account", "webhook_url",
])
def test_sensitive_names(name):
    assert should_hide_value_for_key(name)


@pytest.mark.parametrize("name", ["host", "login", "region", "timeout", "", None, 3])
def test_names_that_are_not_sensitive(name):
    assert not should_hide_value_for_key(name)


def test_configured_names_add_to_the_defaults_and_can_be_turned_off():
    secrets_masker.configure("region, Tenant")
    assert should_hide_value_for_key("aws_region") and should_hide_value_for_key("tenant_id")
    assert should_hide_value_for_key("password")
    secrets_masker.configure(hide_sensitive_var_conn_fields=False)
    assert not should_hide_value_for_key("password")
    mask_secret("hunter22-value", "password")  # a named secret follows the setting
    assert redact_text("hunter22-value") == "hunter22-value"
    mask_secret("hunter22-value")  # an unnamed one is always masked
    assert redact_text("x hunter22-value y") == "x *** y"


def test_nothing_registered_leaves_text_and_streams_alone():
    before = sys.stdout
    assert not secrets_masker.active()
    assert redact_text("s3cr3t-value") == "s3cr3t-value"
    assert sys.stdout is before


def test_a_secret_is_masked_in_its_written_forms():
    mask_secret("p@ss w/ord'\\x")
    assert redact_text("plain p@ss w/ord'\\x end") == "plain *** end"
    assert redact_text("postgres://u:p%40ss%20w%2Ford%27%5Cx@host/db") == "postgres://u:***@host/db"
    assert redact_text("query?pw=p%40ss+w%2Ford%27%5Cx") == "query?pw=***"
    assert redact_text(repr("p@ss w/ord'\\x")) == '"***"'
    assert redact_text('{"pw": "p@ss w/ord\'\\\\x"}') == '{"pw": "***"}'


def test_short_secrets_and_airflow_are_not_masked_as_in_airflow():
    mask_secret("abcd")
    mask_secret("airflow")
    assert not secrets_masker.active()
    mask_secret("abcde")
    assert redact_text("abcd abcde airflow") == "abcd *** airflow"


def test_min_length_is_configurable():
    secrets_masker.configure(min_length=8)
    mask_secret("seven77")
    assert not secrets_masker.active()


def test_a_secret_that_contains_another_is_masked_whole():
    mask_secret("secret-one")
    mask_secret("secret-one-and-more")
    assert redact_text("[secret-one-and-more]") == "[***]"


def test_named_secrets_dicts_and_lists():
    mask_secret("visible-value", "region")
    mask_secret({"host": "db.example", "password": "nested-pw-1", "deeper": {"api_key": "nested-key-2"}})
    mask_secret(["list-item-1", "list-item-2"], "token")
    text = redact_text("visible-value db.example nested-pw-1 nested-key-2 list-item-1 list-item-2")
    assert text == "visible-value db.example *** *** *** ***"


def test_redact_hides_values_under_sensitive_names_and_registered_secrets():
    mask_secret("registered-1")
    value = {
        "bash_command": "echo registered-1",
        "env": {"API_KEY": "literal-in-env", "HOME": "/home/x", "nested": {"password": ["a", {"b": 1}]}},
        "op_args": ["registered-1", 5, ("t", "registered-1")],
    }
    assert redact(value) == {
        "bash_command": "echo ***",
        "env": {"API_KEY": "***", "HOME": "/home/x", "nested": {"password": ["***", {"b": 1}]}},
        "op_args": ["***", 5, ("t", "***")],
    }
    assert redact("anything at all", "db_password") == "***"
    assert redact(42, "token") == 42


def test_streams_are_wrapped_when_the_first_secret_is_registered():
    out = io.StringIO()
    sys.stdout = out
    print("before: stream-secret-1")
    mask_secret("stream-secret-1")
    assert isinstance(sys.stdout, secrets_masker.MaskedStream) and secrets_masker.unwrapped(sys.stdout) is out
    print("after: stream-secret-1")
    sys.stdout.writelines(["lines: stream-secret-1\n"])
    assert out.getvalue() == "before: stream-secret-1\nafter: ***\nlines: ***\n"


def test_bytes_written_to_the_buffer_are_masked():
    raw = io.BytesIO()
    sys.stdout = io.TextIOWrapper(raw, write_through=True)
    mask_secret("buffer-secret")
    sys.stdout.buffer.write(b"b: buffer-secret\n")
    sys.stdout.write("t: buffer-secret\n")
    assert raw.getvalue() == b"b: ***\nt: ***\n"


def test_task_log_records_are_masked_tracebacks_included(monkeypatch):
    from slipstream.runner.task_logging import configure_task_logging

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    try:
        configure_task_logging()
        mask_secret("record-secret")  # registered after the handler took its stream
        logging.getLogger("x").info("value %s", "record-secret")
        try:
            raise ValueError("failed with record-secret")
        except ValueError:
            logging.getLogger("x").exception("boom record-secret")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    assert "record-secret" not in out.getvalue()
    assert "value ***" in out.getvalue() and "ValueError: failed with ***" in out.getvalue()


def test_write_line_is_masked(monkeypatch):
    from slipstream.sdk.task_log import write_line

    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    mask_secret("line-secret")
    secrets_masker.unwrapped(sys.stdout)  # write_line masks by itself, wrapped stream or not
    sys.stdout = out
    write_line("Done. Returned value was: 'line-secret'")
    assert out.getvalue().endswith("Done. Returned value was: '***'\n")


def test_airflow_import_paths_of_mask_secret():
    from slipstream.dagfiles.airflow_imports import airflow_imports

    with airflow_imports():
        from airflow.providers.common.compat.sdk import mask_secret as compat_mask
        from airflow.sdk.log import mask_secret as sdk_mask
        from airflow.utils.log.secrets_masker import mask_secret as v2_mask
    assert sdk_mask is v2_mask is compat_mask is mask_secret


def test_a_sensitive_option_read_through_conf_is_masked(home, monkeypatch):
    from slipstream.sdk.configuration import conf

    monkeypatch.setenv("AIRFLOW__SMTP__SMTP_PASSWORD", "smtp-secret-1")
    assert conf.get("core", "parallelism") == "32"
    assert not secrets_masker.active()
    assert conf.get("smtp", "smtp_password") == "smtp-secret-1"
    assert redact_text("pw=smtp-secret-1") == "pw=***"
