"""store.dags.sync_file: one dag_id, one file; a second file defining it gets an import error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from slipstream.dagfiles.serialization import dag_hash, serialize_dag
from slipstream.operators.empty import EmptyOperator
from slipstream.sdk import DAG
from slipstream.store import dags as dag_store
from slipstream.store.clock import utcnow


@pytest.fixture
def files(tmp_path: Path) -> tuple[str, str]:
    """Two DAG files that exist: a dag_id whose owner's file is gone is free to take."""
    paths = (tmp_path / "dags" / "first.py", tmp_path / "dags" / "second.py")
    paths[0].parent.mkdir()
    for path in paths:
        path.write_text("# a DAG file")
    return str(paths[0]), str(paths[1])


def serialized(dag_id: str, task_id: str) -> tuple[dict[str, Any], str]:
    with DAG(dag_id, schedule=None) as dag:
        EmptyOperator(task_id=task_id)
    data = serialize_dag(dag)
    return data, dag_hash(data)


def sync(db, fileloc: str, *dags: tuple[dict[str, Any], str]) -> list[str]:
    with db.write() as session:
        return dag_store.sync_file(session, fileloc, list(dags), [], utcnow())


def owner_and_tasks(db, dag_id: str) -> tuple[str, list[str]]:
    with db.read() as session:
        row = dag_store.get_dag(session, dag_id)
        data = dag_store.get_serialized(session, dag_id).data
    return row.fileloc, [task["task_id"] for task in data["tasks"]]


def errors_by_file(db) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    with db.read() as session:
        for row in dag_store.list_import_errors(session):
            found.setdefault(row.filename, []).append(row.exception)
    return found


def test_the_second_file_gets_an_import_error_naming_both_files(db, files):
    first, second = files
    assert sync(db, first, serialized("shared", "from_first")) == []
    assert sync(db, second, serialized("shared", "from_second"), serialized("own", "t")) == ["shared"]

    assert owner_and_tasks(db, "shared") == (first, ["from_first"])
    assert owner_and_tasks(db, "own") == (second, ["t"])
    assert errors_by_file(db) == {
        second: [f"AirflowDagDuplicatedIdException: Ignoring DAG shared from {second} - also found in {first}"]
    }
    with db.read() as session:
        (error,) = dag_store.list_import_errors(session)
    assert "Give one of the two DAGs another dag_id" in error.stacktrace


def test_the_owner_keeps_the_dag_id_across_parses_of_both_files(db, files):
    first, second = files
    sync(db, first, serialized("shared", "from_first"))
    for _ in range(2):
        sync(db, second, serialized("shared", "from_second"))
        sync(db, first, serialized("shared", "from_first_edited"))
    assert owner_and_tasks(db, "shared") == (first, ["from_first_edited"])
    assert list(errors_by_file(db)) == [second]


def test_when_the_owner_stops_defining_it_the_other_file_takes_it_on_its_next_parse(db, files):
    first, second = files
    sync(db, first, serialized("shared", "from_first"))
    sync(db, second, serialized("shared", "from_second"))
    with db.read() as session:
        assert dag_store.unowned(session, ["shared", "nobody"]) == {"nobody"}

    sync(db, first, serialized("renamed", "from_first"))
    with db.read() as session:
        assert dag_store.unowned(session, ["shared"]) == {"shared"}
    assert sync(db, second, serialized("shared", "from_second")) == []
    assert owner_and_tasks(db, "shared") == (second, ["from_second"])
    assert errors_by_file(db) == {}

    # the first file defines it again: now it is the one refused
    assert sync(db, first, serialized("shared", "from_first")) == ["shared"]
    assert owner_and_tasks(db, "shared") == (second, ["from_second"])
    assert list(errors_by_file(db)) == [first]


def test_when_the_owner_file_is_deleted_the_other_file_takes_it(db, files):
    first, second = files
    folder = str(Path(first).parent)
    sync(db, first, serialized("shared", "from_first"))
    sync(db, second, serialized("shared", "from_second"))
    Path(first).unlink()
    with db.write() as session:
        assert dag_store.forget_missing_files(session, {second}, [folder]) == [first]
    assert sync(db, second, serialized("shared", "from_second")) == []
    assert owner_and_tasks(db, "shared") == (second, ["from_second"])


def test_an_owner_whose_file_is_gone_outside_the_parsed_folders_gives_the_dag_id_up(db, files):
    """The dags folder moved: the old folder is no longer parsed, so nothing deactivated its DAGs."""
    first, second = files
    sync(db, first, serialized("shared", "from_first"))
    Path(first).unlink()
    assert sync(db, second, serialized("shared", "from_second")) == []
    assert owner_and_tasks(db, "shared") == (second, ["from_second"])
