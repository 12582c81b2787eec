"""A processor of the configured DAG folders holds them to be the whole truth: DAGs recorded from
elsewhere, or whose files are gone, are deactivated; a file recorded under its resolved path
(through a symbolic link) is the same file as the folder's listing of it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from slipstream.dagfiles.processor import DagFileProcessor
from slipstream.store import dags as dag_store

DAG = """
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator

with DAG("{dag_id}", start_date=datetime(2024, 1, 1), schedule="@daily"):
    EmptyOperator(task_id="only")
"""


def write(folder: Path, dag_id: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{dag_id}.py"
    path.write_text(textwrap.dedent(DAG.format(dag_id=dag_id)))
    return path


def process(settings, db, folders=None, force=False) -> None:
    processor = DagFileProcessor(settings, db, folders)
    try:
        processor.process(force=force)
    finally:
        processor.close()


def active(db) -> set[str]:
    with db.read() as session:
        return {row.dag_id for row in dag_store.list_dags(session)}


def test_dags_from_another_folder_are_deactivated_when_a_processor_of_the_dag_folders_is_made(settings, db, tmp_path):
    write(settings.dags_folder, "at_home")
    process(settings, db, [write(tmp_path / "elsewhere", "from_elsewhere")])
    assert active(db) == {"from_elsewhere"}
    processor = DagFileProcessor(settings, db)  # before its first pass: nothing of elsewhere is scheduled
    try:
        assert active(db) == set()
        processor.process()
    finally:
        processor.close()
    assert active(db) == {"at_home"}


def test_a_dag_file_parsed_alone_through_a_linked_folder_stays_the_folders(settings, db, tmp_path):
    real = tmp_path / "real-dags"
    path = write(real, "linked")
    link = tmp_path / "linked-dags"
    link.symlink_to(real)
    through_link = settings.replace(dags_folder=link)
    processor = DagFileProcessor(through_link, db)
    try:
        processor.process()
        process(through_link, db, [link / path.name], force=True)  # as `dags test` parses the DAG's own file
        with db.read() as session:
            assert dag_store.list_import_errors(session) == [], "the file is not a duplicate of itself"
        processor.process()  # the file did not change: not parsed again
    finally:
        processor.close()
    assert active(db) == {"linked"}
