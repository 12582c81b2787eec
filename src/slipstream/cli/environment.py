"""What every command needs: settings, a migrated store, and the DAGs as the scheduler recorded them.

Commands read DAGs and import errors from the store. They parse DAG files themselves only when
asked (``--local``, ``-S FOLDER``), when no processor has ever recorded the DAG folders, or,
for the commands that run a DAG's code now (``dags test``, ``tasks test``, ``tasks render``),
the one file of that DAG.

``-S FOLDER`` is for one command only, as in Airflow: a command that only reads parses FOLDER
into a scratch store of its own, thrown away when it ends; one that changes the store (trigger,
test, backfill, clear, set-state) records FOLDER's DAGs, which the scheduler deactivates (their
files are outside its DAG folders) and never schedules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from slipstream.config import Config, ConfigError, Settings


def load_settings(dags_folder: str | None = None) -> Settings:
    try:
        settings = Settings.from_config(Config.load())
    except ConfigError as err:
        raise click.ClickException(f"Configuration error: {err}") from None
    if dags_folder:
        settings = settings.replace(dags_folder=Path(dags_folder).expanduser().resolve())
    return settings


def open_store(settings: Settings, migrate_if_needed: bool = True) -> Any:
    """The database, migrated to the newest schema if it is behind (a fresh SQLite file is created)."""
    from slipstream.store import migrate
    from slipstream.store.db import Database

    db = Database(settings.sql_alchemy_conn)
    if migrate_if_needed:
        status = refuse_unknown_revision(db)
        if status != "current":
            migrate.migrate(db)
    return db


def shown_url(db: Any) -> str:
    """The database's URL as a person reads it, its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(db.url).render_as_string(hide_password=True)


def refuse_unknown_revision(db: Any) -> str:
    """The schema status ('current' or 'behind'); a revision this version does not know is a clear error."""
    from slipstream.store import migrate

    status = migrate.check_revision(db)
    if status == "unknown":
        raise click.ClickException(
            f"The database {shown_url(db)} has schema revision {migrate.current_revision(db)!r}, which this version of "
            "Slipstream does not know: it was written by a newer version. Upgrade Slipstream or use another database."
        )
    return status


def service_context(dags_folder: str | None = None) -> Any:
    """Settings, the migrated store and a scheduler wake-up, for commands that call services."""
    from slipstream.services.context import ServiceContext
    from slipstream.services.notify import notifier_for

    settings = load_settings(dags_folder)
    db = open_store(settings)
    return ServiceContext(settings=settings, db=db, notify=notifier_for(settings, db))


def dags_context(dags_folder: str | None = None, local: bool = False) -> Any:
    """``service_context`` for a command that only reads DAGs: with ``-S FOLDER``, that folder
    parsed into a scratch store (the store is left as it is); else the store's DAGs, parsed here
    first with ``local`` or when no processor ever recorded the DAG folders."""
    from slipstream.services.context import ServiceContext
    from slipstream.services.notify import notifier_for

    settings = load_settings(dags_folder)
    if dags_folder:
        db = scratch_store(settings)
        parse_dags(settings, db)
    else:
        db = open_store(settings)
        read_dags(settings, db, local=local)
    return ServiceContext(settings=settings, db=db, notify=notifier_for(settings, db))


def changing_dags_context(dags_folder: str | None = None) -> Any:
    """``service_context`` for a command that changes runs or task instances: with ``-S FOLDER``
    that folder's DAGs are recorded in the store (the scheduler never schedules them)."""
    from slipstream.services.context import ServiceContext
    from slipstream.services.notify import notifier_for

    settings = load_settings(dags_folder)
    db = open_store(settings)
    if dags_folder:
        parse_dags(settings, db, [settings.dags_folder])
    else:
        read_dags(settings, db)
    return ServiceContext(settings=settings, db=db, notify=notifier_for(settings, db))


def scratch_store(settings: Settings) -> Any:
    """A fresh SQLite store in a temporary folder removed when the command ends."""
    import atexit
    import shutil
    import tempfile

    from slipstream.store import migrate
    from slipstream.store.db import Database

    folder = tempfile.mkdtemp(prefix="slipstream-subdir-")
    db = Database(f"sqlite:///{folder}/scratch.db")
    migrate.migrate(db)

    def remove() -> None:
        db.dispose()
        shutil.rmtree(folder, ignore_errors=True)

    atexit.register(remove)
    return db


def service_call(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a service function; its errors become the command's one-line error (exit 1)."""
    from slipstream.services.errors import ServiceError

    try:
        return function(*args, **kwargs)
    except ServiceError as err:
        raise click.ClickException(str(err)) from None


def known_dag(ctx: Any, dag_id: str) -> None:
    """An unknown DAG id ends the command with "DAG 'x' not found. Did you mean 'y'?" (exit 1).
    The DAG folders are parsed first if no processor ever recorded them."""
    from slipstream.services.known_ids import require_dag

    read_dags(ctx.settings, ctx.db)
    service_call(require_dag, ctx, dag_id)


def known_task(ctx: Any, dag_id: str, task_id: str) -> None:
    """Likewise for the DAG, then for its task."""
    from slipstream.services.known_ids import require_task

    read_dags(ctx.settings, ctx.db)
    service_call(require_task, ctx, dag_id, task_id)


def parse_dags(settings: Settings, db: Any, folders: list[Path] | None = None) -> Any:
    """Parse the DAG folders (or ``folders``: folders or files) once, here, and record the results.
    Without ``folders``, DAGs recorded from files outside the DAG folders are deactivated: never
    call it so on the real store with settings changed by ``-S``."""
    from slipstream.dagfiles.processor import DagFileProcessor

    return run_processor(DagFileProcessor(settings, db, folders))


def folders_recorded(settings: Settings, db: Any) -> bool:
    """Whether a processor has recorded anything of the DAG folders: a DAG (even one whose
    file is gone since) or an import error of a file under one of them."""
    import os

    from slipstream.store import dags as dag_store

    folders = sorted({path for f in settings.dag_folders() for path in (os.path.abspath(f), str(f.resolve()))})
    with db.read() as session:
        return dag_store.has_files_under(session, folders)


def read_dags(settings: Settings, db: Any, *, local: bool = False) -> None:
    """Make the store hold the DAGs a command reads: parse here with ``local``, or when the DAG
    folders were never recorded (no scheduler has run on them yet); otherwise read what the
    scheduler's processor recorded, parsing nothing."""
    if local or not folders_recorded(settings, db):
        parse_dags(settings, db)


def parse_dag_file_of(settings: Settings, db: Any, dag_id: str) -> None:
    """Parse again, here, the file that defines ``dag_id`` (as recorded), so a command that runs
    the DAG now runs its current code; a DAG not recorded yet (a new file) is looked for in the
    whole folder."""
    run_processor(processor_of(settings, db, dag_id))


def processor_of(settings: Settings, db: Any, dag_id: str) -> Any:
    """The processor that parses the file recorded as defining ``dag_id`` (or, for a DAG not
    recorded yet, the whole folder): see ``parse_dag_file_of``."""
    from slipstream.dagfiles.processor import DagFileProcessor
    from slipstream.store import dags as dag_store

    with db.read() as session:
        row = dag_store.get_dag(session, dag_id)
        fileloc = row.fileloc if row is not None and row.is_active else None
    if fileloc is not None and Path(fileloc).is_file():
        return DagFileProcessor(settings, db, [Path(fileloc)])
    return DagFileProcessor(settings, db, settings.dag_folders())


def run_processor(processor: Any) -> Any:
    """One forced pass of ``processor`` (every file parsed, results recorded), then close it."""
    try:
        return processor.process(force=True)
    finally:
        processor.close()


def local_option(function: Any) -> Any:
    return click.option(
        "-l", "--local", is_flag=True,
        help="Parse the DAG files here and now (and record the result) instead of reading what the scheduler "
        "recorded.",
    )(function)


def dags_folder_option(function: Any) -> Any:
    return click.option(
        "-S", "--subdir", "--dags-folder", "dags_folder", default=None,
        help="Folder with the DAG files (default: [core] dags_folder).",
    )(function)


def dag_ids_matching(db: Any, pattern: str) -> list[str]:
    """The recorded dag_ids that ``pattern`` (a regular expression) finds, for the commands that
    take ``DAG_ID`` as a regex; an error if it is not one or finds none."""
    import re

    from slipstream.store.suggestions import dag_ids

    try:
        compiled = re.compile(pattern)
    except re.error as err:
        raise click.BadParameter(f"not a regular expression: {err}", param_hint="DAG_ID") from None
    with db.read() as session:
        found = [one for one in dag_ids(session) if compiled.search(one)]
    if not found:
        raise click.ClickException(f"No DAG id matches {pattern!r}")
    return found
