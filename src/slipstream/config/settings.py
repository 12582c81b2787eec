"""Typed settings, built once at start from defaults, the config file and the environment.

Order of precedence (last wins): built-in defaults, ``$SLIPSTREAM_HOME/slipstream.toml``,
``AIRFLOW__SECTION__KEY`` and then ``SLIPSTREAM__SECTION__KEY`` environment variables.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# Airflow 3's defaults of [scheduler] create_cron_data_intervals / create_delta_data_intervals: a
# cron string or a timedelta as schedule makes a run at each tick (CronTriggerTimetable,
# DeltaTriggerTimetable), not Airflow 2's data intervals.
CRON_DATA_INTERVALS = False
DELTA_DATA_INTERVALS = False


class ConfigError(ValueError):
    """A setting is unknown or its value cannot be read."""


def _to_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true or false, got {raw!r}")


_TYPES: dict[type, Callable[[Any], Any]] = {bool: _to_bool, int: int, float: float, str: str}

# section -> key -> (type, default, description). "{home}" in a default is the home folder.
OPTIONS: dict[str, dict[str, tuple[type, Any, str]]] = {
    "core": {
        "executor": (
            str, "LocalExecutor", "What runs the tasks: LocalExecutor (processes on this machine), CeleryExecutor "
            "(Celery workers, see [celery]), or the dotted path of an executor class.",
        ),
        "dags_folder": (str, "{home}/dags", "Folder scanned for DAG files."),
        "load_examples": (bool, True, "Also load the example DAGs shipped with Slipstream."),
        "dags_are_paused_at_creation": (
            bool, True, "New DAGs start paused (a DAG's is_paused_upon_creation wins; the examples start unpaused).",
        ),
        "parallelism": (int, 32, "Task instances running at once in the whole installation."),
        "max_active_tasks_per_dag": (int, 16, "Default max_active_tasks of a DAG."),
        "max_active_runs_per_dag": (int, 16, "Default max_active_runs of a DAG."),
        "dagbag_import_timeout": (float, 30.0, "Seconds a DAG file may take to parse."),
        "dag_file_memory_limit": (
            int, 2048, "MiB of address space (RLIMIT_AS) a DAG file's parse may use; 0: no limit.",
        ),
        "default_timezone": (str, "utc", "Time zone of naive dates in DAG files."),
        "fernet_key": (str, "", "Key that encrypts secrets in the store."),
        "virtualenv_cache": (str, "{home}/venvs", "Folder of the cached virtual environments of virtualenv tasks."),
        "max_map_length": (int, 100_000, "Most task instances one expand() may create."),
        "allow_double_dot_in_ids": (bool, False, "Allow '..' inside a run_id (never '.' or '..' alone)."),
        "sensitive_var_conn_names": (
            str, "", "Comma-separated words that, besides the built-in ones (password, secret, token...), make a "
            "variable key or a connection extra's key sensitive: its value is masked in logs.",
        ),
        "hide_sensitive_var_conn_fields": (
            bool, True, "Mask the values of variables and connection extras whose key is sensitive.",
        ),
        "test_connection": (
            str, "Disabled", "Testing connections (POST /api/v2/connections/test): Enabled, or Disabled / Hidden "
            "(refused), as Airflow 3.3. A test connects from the API server to the connection's host.",
        ),
    },
    "database": {
        "sql_alchemy_conn": (str, "sqlite:///{home}/slipstream.db", "SQLAlchemy URL of the store."),
    },
    "logging": {
        "base_log_folder": (str, "{home}/logs", "Folder of the task logs."),
        "min_length_masked_secret": (int, 5, "Secrets shorter than this are not masked in logs."),
        "worker_log_server_port": (
            int, 8793, "Port on which each Celery worker serves its task logs to the API servers (needs the same "
            "[api_auth] jwt_secret on every machine).",
        ),
    },
    "scheduler": {
        "task_heartbeat_sec": (float, 5.0, "How often a running task records it is alive."),
        "task_heartbeat_timeout": (float, 300.0, "Seconds without heartbeat before a task is a zombie."),
        "task_queued_timeout": (
            float, 600.0, "Seconds a try may stay queued (handed to the executor, not started) before it is failed, or "
            "retried if it has retries left: e.g. no Celery worker listens on its queue.",
        ),
        "poll_interval": (float, 1.0, "Safety-net pass interval when no event wakes the scheduler."),
        "scheduler_heartbeat_sec": (float, 5.0, "How often the scheduler records in its job row that it is alive."),
        "scheduler_health_check_threshold": (
            float, 10.0,
            "Seconds without heartbeat after which a scheduler is dead and another adopts its tries (one on this "
            "host whose process is gone is dead at once).",
        ),
        "dag_dir_list_interval": (float, 5.0, "Seconds between scans of the DAG folder for changes."),
        "parsing_processes": (int, 2, "DAG files parsed at once."),
        "allowed_run_id_pattern": (
            str, r"^[A-Za-z0-9_.~:+-]+$", "Regular expression a run_id given by a user (dags trigger --run-id, "
            "trigger_run_id) must match.",
        ),
        "catchup_by_default": (bool, False, "Catchup of DAGs that do not set catchup: create every missed run."),
        "use_job_schedule": (bool, True, "Create scheduled runs from timetables; off: only triggered runs."),
        "create_cron_data_intervals": (
            bool, CRON_DATA_INTERVALS,
            "A cron string as schedule gives data intervals (CronDataIntervalTimetable, Airflow 2); off: a run "
            "at each tick (CronTriggerTimetable, Airflow 3's default).",
        ),
        "create_delta_data_intervals": (
            bool, DELTA_DATA_INTERVALS,
            "A timedelta as schedule gives data intervals (DeltaDataIntervalTimetable, Airflow 2); off: "
            "DeltaTriggerTimetable (Airflow 3's default).",
        ),
    },
    "celery": {
        "broker_url": (
            str, "redis://127.0.0.1:6379/0", "Celery broker: redis://HOST:PORT/DB or amqp://USER:PASSWORD@HOST:5672// "
            "(RabbitMQ).",
        ),
        "result_backend": (
            str, "", "Where workers put each task's end for the scheduler: redis://..., or db+postgresql://...; empty: "
            "the broker for Redis, the metadata database (db+...) for RabbitMQ.",
        ),
        "worker_concurrency": (int, 16, "Tries a `slipstream celery worker` runs at once."),
        "default_queue": (str, "default", "Queue of the tasks whose operator sets no queue=; workers listen on it."),
        "visibility_timeout": (
            int, 21600, "Redis broker: seconds before a task a worker took but never acknowledged (the worker died) is "
            "given to another worker.",
        ),
        "flower_host": (str, "0.0.0.0", "Address `slipstream celery flower` listens on."),
        "flower_port": (int, 5555, "Port of `slipstream celery flower`."),
        "flower_basic_auth": (str, "", "user:password[,user:password] Flower asks for; empty: no login."),
    },
    "api": {
        "host": (str, "0.0.0.0", "Address the API server (REST API and web UI) listens on."),
        "port": (int, 8080, "Port of the API server (0: any free port, printed at start)."),
        "workers": (int, 1, "Processes of `slipstream api-server`."),
        "login_attempts_per_minute": (
            int, 10, "Failed logins a client may make per minute for one username before it must wait.",
        ),
        "expose_config": (
            bool, True, "Let users with role Op or above read the configuration through the API (sensitive "
            "values always hidden); false: refused (403).",
        ),
    },
    "api_auth": {
        "jwt_secret": (
            str, "", "Secret that signs the API's access tokens (HS512); empty: one is generated and kept in "
            "$SLIPSTREAM_HOME/jwt_secret (mode 0600).",
        ),
        "jwt_expiration_time": (int, 86400, "Seconds an access token from /auth/token stays valid."),
    },
    "smtp": {
        "smtp_host": (str, "localhost", "SMTP server that sends task alert mails (email_on_failure/retry)."),
        "smtp_port": (int, 25, "Port of the SMTP server."),
        "smtp_starttls": (bool, False, "Upgrade the connection with STARTTLS before logging in."),
        "smtp_ssl": (bool, False, "Connect with SSL/TLS from the start (SMTP_SSL)."),
        "smtp_user": (str, "", "User to log in to the SMTP server with; empty: no login."),
        "smtp_password": (str, "", "Password of smtp_user."),
        "smtp_mail_from": (str, "slipstream@localhost", "Sender address of alert mails."),
        "smtp_timeout": (int, 30, "Seconds to wait for the SMTP server."),
        "smtp_retry_limit": (int, 5, "Connection attempts before giving up on a mail."),
    },
    "cli": {
        "warm_start": (
            bool, True, "dags test and tasks test run in a fork of a background process that has imported what they "
            "need (started by the first of them, per home), so their first task starts at once.",
        ),
        "warm_start_idle_timeout": (
            float, 900.0, "Seconds without a command after which that background process ends.",
        ),
    },
}


# Options whose value is secret: `config list` and `config get-value` show *** for them. Airflow
# 3.3's `sensitive: true` options (and its providers' that Slipstream has), plus the SMTP password.
SENSITIVE_OPTIONS = frozenset({
    ("core", "fernet_key"),
    ("database", "sql_alchemy_conn"),
    ("database", "sql_alchemy_conn_async"),
    ("database", "sql_alchemy_engine_args"),
    ("smtp", "smtp_password"),
    ("celery", "broker_url"),
    ("celery", "result_backend"),
    ("celery", "flower_basic_auth"),
    ("api", "secret_key"),
    ("api_auth", "jwt_secret"),
    ("webserver", "secret_key"),
    ("secrets", "backend_kwargs"),
    ("sentry", "sentry_dsn"),
})


def default_home() -> Path:
    return Path(os.environ.get("SLIPSTREAM_HOME") or os.environ.get("AIRFLOW_HOME") or "~/slipstream").expanduser()


def _env_value(environ: Mapping[str, str], section: str, key: str) -> str | None:
    for prefix in ("SLIPSTREAM", "AIRFLOW"):
        name = f"{prefix}__{section.upper()}__{key.upper()}"
        if name in environ:
            return environ[name]
    return None


@dataclass(frozen=True)
class Config:
    """Raw configuration values by section and key, with where each came from."""

    home: Path
    values: Mapping[str, Mapping[str, Any]]
    sources: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, home: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
        environ = os.environ if environ is None else environ
        home = (home or default_home()).expanduser().resolve()
        file_path = home / "slipstream.toml"
        from_file: dict[str, dict[str, Any]] = {}
        if file_path.exists():
            try:
                from_file = tomllib.loads(file_path.read_text())
            except tomllib.TOMLDecodeError as err:
                raise ConfigError(f"{file_path}: {err}") from err
            for section, table in from_file.items():
                if section not in OPTIONS or not isinstance(table, dict):
                    raise ConfigError(f"{file_path}: unknown section [{section}]")
                for key in table:
                    if key not in OPTIONS[section]:
                        raise ConfigError(f"{file_path}: unknown option {key!r} in [{section}]")
        values: dict[str, dict[str, Any]] = {}
        sources: dict[str, dict[str, str]] = {}
        for section, options in OPTIONS.items():
            values[section], sources[section] = {}, {}
            for key, (kind, default, _) in options.items():
                raw, source = default, "default"
                if key in from_file.get(section, {}):
                    raw, source = from_file[section][key], str(file_path)
                env_raw = _env_value(environ, section, key)
                if env_raw is not None:
                    raw, source = env_raw, "environment"
                if isinstance(raw, str):
                    raw = raw.replace("{home}", str(home))
                try:
                    values[section][key] = _TYPES[kind](raw)
                except (TypeError, ValueError) as err:
                    raise ConfigError(f"[{section}] {key} from {source}: {err}") from err
                sources[section][key] = source
        return cls(home=home, values=values, sources=sources)

    def get(self, section: str, key: str) -> Any:
        if section not in self.values or key not in self.values[section]:
            raise ConfigError(f"unknown option [{section}] {key}")
        return self.values[section][key]


EXAMPLE_DAGS = Path(__file__).resolve().parent.parent / "example_dags"


@dataclass(frozen=True)
class Settings:
    """What the running product needs, typed; passed down from the entry point."""

    home: Path
    dags_folder: Path
    executor: str
    load_examples: bool
    sql_alchemy_conn: str
    base_log_folder: Path
    parallelism: int
    max_active_tasks_per_dag: int
    max_active_runs_per_dag: int
    dagbag_import_timeout: float
    default_timezone: str
    task_heartbeat_sec: float
    task_heartbeat_timeout: float
    poll_interval: float
    dag_dir_list_interval: float
    parsing_processes: int
    catchup_by_default: bool = False
    dags_are_paused_at_creation: bool = True
    use_job_schedule: bool = True
    create_cron_data_intervals: bool = CRON_DATA_INTERVALS
    create_delta_data_intervals: bool = DELTA_DATA_INTERVALS
    max_map_length: int = 100_000
    dag_file_memory_limit: int = 2048
    scheduler_heartbeat_sec: float = 5.0
    task_queued_timeout: float = 600.0
    scheduler_health_check_threshold: float = 10.0
    # Not an option: set by the local executor for its task processes (where its store service listens).
    store_service_address: str = ""
    celery_broker_url: str = "redis://127.0.0.1:6379/0"
    celery_result_backend: str = ""
    celery_worker_concurrency: int = 16
    celery_default_queue: str = "default"
    celery_visibility_timeout: int = 21600
    celery_flower_host: str = "0.0.0.0"
    celery_flower_port: int = 5555
    celery_flower_basic_auth: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_user: str = ""
    smtp_password: str = ""
    smtp_mail_from: str = "slipstream@localhost"
    smtp_timeout: int = 30
    smtp_retry_limit: int = 5
    sensitive_var_conn_names: str = ""
    hide_sensitive_var_conn_fields: bool = True
    min_length_masked_secret: int = 5
    worker_log_server_port: int = 8793
    api_host: str = "0.0.0.0"
    api_port: int = 8080
    api_workers: int = 1
    login_attempts_per_minute: int = 10
    jwt_secret: str = ""
    jwt_expiration_time: int = 86400
    test_connection: str = "Disabled"
    expose_config: bool = True

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        get = config.get
        return cls(
            home=config.home,
            dags_folder=Path(get("core", "dags_folder")).expanduser(),
            executor=get("core", "executor"),
            load_examples=get("core", "load_examples"),
            dags_are_paused_at_creation=get("core", "dags_are_paused_at_creation"),
            sql_alchemy_conn=get("database", "sql_alchemy_conn"),
            base_log_folder=Path(get("logging", "base_log_folder")).expanduser(),
            parallelism=get("core", "parallelism"),
            max_active_tasks_per_dag=get("core", "max_active_tasks_per_dag"),
            max_active_runs_per_dag=get("core", "max_active_runs_per_dag"),
            max_map_length=get("core", "max_map_length"),
            dagbag_import_timeout=get("core", "dagbag_import_timeout"),
            dag_file_memory_limit=get("core", "dag_file_memory_limit"),
            default_timezone=get("core", "default_timezone"),
            task_heartbeat_sec=get("scheduler", "task_heartbeat_sec"),
            task_heartbeat_timeout=get("scheduler", "task_heartbeat_timeout"),
            task_queued_timeout=get("scheduler", "task_queued_timeout"),
            poll_interval=get("scheduler", "poll_interval"),
            scheduler_heartbeat_sec=get("scheduler", "scheduler_heartbeat_sec"),
            scheduler_health_check_threshold=get("scheduler", "scheduler_health_check_threshold"),
            dag_dir_list_interval=get("scheduler", "dag_dir_list_interval"),
            parsing_processes=get("scheduler", "parsing_processes"),
            catchup_by_default=get("scheduler", "catchup_by_default"),
            use_job_schedule=get("scheduler", "use_job_schedule"),
            create_cron_data_intervals=get("scheduler", "create_cron_data_intervals"),
            create_delta_data_intervals=get("scheduler", "create_delta_data_intervals"),
            **{key: get("smtp", key) for key in OPTIONS["smtp"]},
            **{f"celery_{key}": get("celery", key) for key in OPTIONS["celery"]},
            sensitive_var_conn_names=get("core", "sensitive_var_conn_names"),
            hide_sensitive_var_conn_fields=get("core", "hide_sensitive_var_conn_fields"),
            min_length_masked_secret=get("logging", "min_length_masked_secret"),
            worker_log_server_port=get("logging", "worker_log_server_port"),
            api_host=get("api", "host"),
            api_port=get("api", "port"),
            api_workers=get("api", "workers"),
            login_attempts_per_minute=get("api", "login_attempts_per_minute"),
            jwt_secret=get("api_auth", "jwt_secret"),
            jwt_expiration_time=get("api_auth", "jwt_expiration_time"),
            test_connection=get("core", "test_connection"),
            expose_config=get("api", "expose_config"),
        )

    @classmethod
    def load(cls, home: Path | None = None, **overrides: Any) -> Settings:
        settings = cls.from_config(Config.load(home))
        return settings.replace(**overrides) if overrides else settings

    def replace(self, **changes: Any) -> Settings:
        from dataclasses import replace

        return replace(self, **changes)

    def dag_folders(self) -> list[Path]:
        """The folders whose DAG files are loaded: the dags folder, then the examples."""
        folders = [self.dags_folder]
        if self.load_examples:
            folders.append(EXAMPLE_DAGS)
        return folders
