"""Slipstream's options against Airflow 3.3.2's, for every command both have (the "present" ones of
test_cli_tree.py): each long option, its short alias and the positional arguments of Airflow's
command exist on Slipstream's, unless ``NOT_YET`` says which feature is missing.

``pytest -s`` prints the counts. Options only Slipstream has are fine."""

from __future__ import annotations

import click
import pytest
from test_cli_tree import AIRFLOW_3_3_2, PRESENT, classify

from slipstream.cli.main import cli

# `airflow <command> --help` of apache-airflow 3.3.2, per command Slipstream has:
# (positional arguments, options as "-s/--long" or "--long"); --help left out.
AIRFLOW_OPTIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "api-server": ((), ('--apps', '-D/--daemon', '-d/--dev', '-H/--host', '--log-config', '-l/--log-file', '--pid', '-p/--port', '--proxy-headers', '--ssl-ca-file', '--ssl-cert', '--ssl-cert-reqs', '--ssl-key', '--stderr', '--stdout', '-t/--worker-timeout', '-w/--workers')),
    "cheat-sheet": ((), ('-v/--verbose',)),
    "info": ((), ('--anonymize', '--file-io', '-o/--output', '-v/--verbose')),
    "plugins": ((), ('-o/--output', '-v/--verbose')),
    "rotate-fernet-key": ((), ()),
    "scheduler": ((), ('-D/--daemon', '-d/--dev', '-l/--log-file', '-n/--num-runs', '-i/--only-idle', '--pid', '-s/--skip-serve-logs', '--stderr', '--stdout', '-v/--verbose')),
    "standalone": ((), ()),
    "version": ((), ()),
    "assets details": ((), ('--alias', '--name', '-o/--output', '--uri', '-v/--verbose')),
    "assets list": ((), ('--alias', '--columns', '-o/--output', '-v/--verbose')),
    "assets materialize": ((), ('--name', '-o/--output', '--uri', '-v/--verbose')),
    "backfill create": ((), ('--dag-id', '--dag-run-conf', '--dry-run', '--from-date', '--max-active-runs', '--reprocess-behavior', '--run-backwards', '--run-on-latest-version/--no-run-on-latest-version', '--to-date')),
    "config get-value": (('section', 'option'), ('-v/--verbose',)),
    "config list": ((), ('--color', '-c/--comment-out-everything', '-a/--defaults', '-p/--exclude-providers', '--hide-sensitive', '-d/--include-descriptions', '-V/--include-env-vars', '-e/--include-examples', '-s/--include-sources', '--section', '--show-values', '-v/--verbose')),
    "connections add": (('conn_id',), ('--conn-description', '--conn-extra', '--conn-host', '--conn-json', '--conn-login', '--conn-password', '--conn-port', '--conn-schema', '--conn-type', '--conn-uri')),
    "connections delete": (('conn_id',), ('--color', '-v/--verbose')),
    "connections export": (('file',), ('--file-format', '--format', '--serialization-format', '-v/--verbose')),
    "connections get": (('conn_id',), ('--color', '-o/--output', '-v/--verbose')),
    "connections import": (('file',), ('--overwrite', '-v/--verbose')),
    "connections list": ((), ('--hide-sensitive', '-o/--output', '--show-values', '-v/--verbose')),
    "connections test": (('conn_id',), ('-v/--verbose',)),
    "dags clear": (('dag_id',), ('-f/--only-failed', '-r/--only-running', '--partition-date-end', '--partition-date-start', '--partition-key', '--run-id', '-v/--verbose', '-y/--yes')),
    "dags delete": (('dag_id',), ('-v/--verbose', '-y/--yes')),
    "dags details": (('dag_id',), ('-o/--output', '-v/--verbose')),
    "dags list": ((), ('-B/--bundle-name', '--columns', '-l/--local', '-o/--output', '-v/--verbose')),
    "dags list-import-errors": ((), ('-B/--bundle-name', '-l/--local', '-o/--output', '-v/--verbose')),
    "dags list-jobs": ((), ('-d/--dag-id', '--limit', '-o/--output', '--state', '-v/--verbose')),
    "dags list-runs": (('dag_id',), ('-e/--end-date', '--no-backfill', '-o/--output', '-s/--start-date', '--state', '-v/--verbose')),
    "dags next-execution": (('dag_id',), ('--field', '-n/--num-executions', '--table', '-v/--verbose')),
    "dags pause": (('dag_id',), ('-o/--output', '--treat-dag-id-as-regex', '-v/--verbose', '-y/--yes')),
    "dags report": ((), ('-B/--bundle-name', '-o/--output', '-v/--verbose')),
    "dags reserialize": ((), ('-B/--bundle-name', '-v/--verbose')),
    "dags show": (('dag_id',), ('--imgcat', '-s/--save', '-v/--verbose')),
    "dags show-dependencies": ((), ('--imgcat', '-s/--save', '-v/--verbose')),
    "dags state": (('dag_id', 'logical_date_or_run_id'), ('-v/--verbose',)),
    "dags test": (('dag_id', 'logical_date'), ('-B/--bundle-name', '-c/--conf', '-f/--dagfile-path', '--imgcat-dagrun', '--mark-success-pattern', '--save-dagrun', '--show-dagrun', '--use-executor', '-v/--verbose')),
    "dags trigger": (('dag_id',), ('-c/--conf', '-l/--logical-date', '--no-replace-microseconds', '-o/--output', '-r/--run-id', '-v/--verbose')),
    "dags unpause": (('dag_id',), ('-o/--output', '--treat-dag-id-as-regex', '-v/--verbose', '-y/--yes')),
    "db check": ((), ('--retry', '--retry-delay', '-v/--verbose')),
    "db check-migrations": ((), ('-t/--migration-wait-timeout', '-v/--verbose')),
    "db clean": ((), ('--batch-size', '--clean-before-timestamp', '--dag-ids', '--dry-run', '--error-on-cleanup-failure', '--exclude-dag-ids', '--skip-archive', '-t/--tables', '-v/--verbose', '-y/--yes')),
    "db migrate": ((), ('--from-revision', '--from-version', '-s/--show-sql-only', '-r/--to-revision', '-n/--to-version', '-m/--use-migration-files', '-v/--verbose')),
    "db reset": ((), ('-s/--skip-init', '-m/--use-migration-files', '-v/--verbose', '-y/--yes')),
    "db shell": ((), ('-v/--verbose',)),
    "jobs check": ((), ('--allow-multiple', '--hostname', '--job-type', '--limit', '--local', '-v/--verbose')),
    "partitions clear": ((), ('--clear-task-instances', '-d/--dag-id', '--date', '--dry-run', '-e/--end-date', '-k/--partition-key', '-r/--run-id', '-s/--start-date', '-v/--verbose')),
    "pools delete": (('pool',), ('-o/--output', '-v/--verbose')),
    "pools export": (('file',), ('-v/--verbose',)),
    "pools get": (('pool',), ('-o/--output', '-v/--verbose')),
    "pools import": (('file',), ('-v/--verbose',)),
    "pools list": ((), ('-o/--output', '-v/--verbose')),
    "pools set": (('pool', 'slots', 'description'), ('--include-deferred', '-o/--output', '--team-name', '-v/--verbose')),
    "providers get": (('provider_name',), ('--color', '-f/--full', '-o/--output', '-v/--verbose')),
    "providers list": ((), ('-o/--output', '-v/--verbose')),
    "state-store clean": ((), ('--dry-run', '-v/--verbose')),
    "tasks clear": (('dag_id',), ('-B/--bundle-name', '-R/--dag-regex', '-d/--downstream', '-e/--end-date', '-f/--only-failed', '-r/--only-running', '-s/--start-date', '-t/--task-regex', '-u/--upstream', '-v/--verbose', '-y/--yes')),
    "tasks failed-deps": (('dag_id', 'task_id', 'logical_date_or_run_id'), ('-B/--bundle-name', '--map-index', '-v/--verbose')),
    "tasks list": (('dag_id',), ('-B/--bundle-name', '-v/--verbose')),
    "tasks render": (('dag_id', 'task_id', 'logical_date_or_run_id'), ('-B/--bundle-name', '--map-index', '-v/--verbose')),
    "tasks state": (('dag_id', 'task_id', 'logical_date_or_run_id'), ('-B/--bundle-name', '--map-index', '-v/--verbose')),
    "tasks states-for-dag-run": (('dag_id', 'logical_date_or_run_id'), ('-o/--output', '-v/--verbose')),
    "tasks test": (('dag_id', 'task_id', 'logical_date_or_run_id'), ('-B/--bundle-name', '--env-vars', '--map-index', '-m/--post-mortem', '-t/--task-params', '-v/--verbose')),
    "variables delete": (('key',), ('-v/--verbose',)),
    "variables export": (('file',), ('-v/--verbose',)),
    "variables get": (('key',), ('-d/--default', '-j/--json', '-v/--verbose')),
    "variables import": (('file',), ('-a/--action-on-existing-key', '-v/--verbose')),
    "variables list": ((), ('--hide-sensitive', '-o/--output', '--show-values', '-v/--verbose')),
    "variables set": (('key', 'value'), ('--description', '-j/--json', '-v/--verbose')),
}

_BUNDLES = "DAG bundles (Slipstream reads DAG folders: -S/--subdir)"
_DAEMON = "Daemonizing and its pid/log files (run it under a service manager)"
_TLS = "TLS and proxy settings of the API server (put a reverse proxy in front)"

# "command --option" -> the feature Slipstream lacks, in one line. Drop an entry when the option lands.
NOT_YET: dict[str, str] = {
    **{f"{path} --bundle-name": _BUNDLES for path, (_, options) in AIRFLOW_OPTIONS.items()
       if "-B/--bundle-name" in options},
    **{f"{path} --{name}": _DAEMON for path in ("api-server", "scheduler")
       for name in ("daemon", "pid", "log-file", "stdout", "stderr")},
    **{f"api-server --{name}": _TLS for name in ("ssl-cert", "ssl-key", "ssl-ca-file", "ssl-cert-reqs", "proxy-headers")},
    "api-server --apps": "Serving only some of the API server's apps (it serves the UI and the API together)",
    "api-server --dev": "A reloading development server",
    "api-server --log-config": "A logging config file for the API server",
    "api-server --worker-timeout": "API server worker processes (it serves from one process)",
    "scheduler --dev": "A reloading development scheduler",
    "scheduler --skip-serve-logs": "A log server (task logs are files read by the API server)",
    "info --file-io": "Uploading the report to a file-sharing service (no network use)",
    "config list --comment-out-everything": "A config-file listing (config list prints a table)",
    "config list --exclude-providers": "Provider configuration sections",
    "dags show --imgcat": "Showing the graph in the terminal with imgcat (--save draws it to a file)",
    "dags show-dependencies --imgcat": "Showing the graph in the terminal with imgcat (--save draws it to a file)",
    "dags test --imgcat-dagrun": "Rendering graphs as images",
    "db migrate --from-revision": "Offline SQL for migrations (Slipstream migrates its own schema)",
    "db migrate --from-version": "Offline SQL for migrations (Slipstream migrates its own schema)",
    "db migrate --show-sql-only": "Offline SQL for migrations (Slipstream migrates its own schema)",
    "db migrate --to-version": "Airflow version numbers (Slipstream's schema has revisions: --to-revision)",
    "db migrate --use-migration-files": "Airflow's migration files (Slipstream's schema has its own)",
    "db reset --use-migration-files": "Airflow's migration files (Slipstream's schema has its own)",
    "pools set --team-name": "Teams (multi-team deployments)",
    "tasks test --post-mortem": "A debugger on the task's exception (tasks test reports it; -m is --map-index here)",
}


def _command(path: str) -> click.Command:
    command: click.Command = cli
    for name in path.split():
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def _names(command: click.Command) -> set[str]:
    return {name for param in command.params for name in param.opts + param.secondary_opts}


def _missing(path: str) -> tuple[list[str], list[str]]:
    """Airflow's options of ``path`` that Slipstream's command lacks: (answered by NOT_YET, not answered).
    A long option counts with its short alias: a missing or different short one is missing too."""
    names = _names(_command(path))
    not_yet, absent = [], []
    for spelled in AIRFLOW_OPTIONS[path][1]:
        *shorts, long = spelled.split("/")
        if long in names and all(short in names for short in shorts):
            continue
        (not_yet if f"{path} {long}" in NOT_YET else absent).append(spelled)
    return not_yet, absent


def test_the_table_covers_every_command_slipstream_has():
    present = [path for path in AIRFLOW_3_3_2 if classify(path) == PRESENT]
    assert sorted(AIRFLOW_OPTIONS) == sorted(present)


def test_every_airflow_option_is_present_or_not_yet():
    total = sum(len(options) for _, options in AIRFLOW_OPTIONS.values())
    not_yet, absent = [], []
    for path in AIRFLOW_OPTIONS:
        waiting, missing = _missing(path)
        not_yet += [f"{path} {o}" for o in waiting]
        absent += [f"{path} {o}" for o in missing]
    print(f"\nAirflow 3.3.2 options of the {len(AIRFLOW_OPTIONS)} commands Slipstream has: {total}; "
          f"present {total - len(not_yet) - len(absent)}, not yet {len(not_yet)}, absent {len(absent)}")
    assert absent == [], f"Airflow options missing from slipstream: {absent}"


@pytest.mark.parametrize("entry", sorted(NOT_YET))
def test_a_not_yet_entry_names_a_missing_airflow_option(entry):
    path, long = entry.rsplit(" ", 1)
    spelled = next((o for o in AIRFLOW_OPTIONS[path][1] if o.split("/")[-1] == long), None)
    assert spelled is not None, f"{entry}: Airflow 3.3.2 has no such option"
    assert spelled in _missing(path)[0], f"{entry} is in NOT_YET but slipstream has it now: drop the entry"


@pytest.mark.parametrize("path", sorted(AIRFLOW_OPTIONS))
def test_airflow_positional_arguments_come_first_in_order(path):
    arguments = [param.name for param in _command(path).params if isinstance(param, click.Argument)]
    expected = list(AIRFLOW_OPTIONS[path][0])
    assert arguments[: len(expected)] == expected
