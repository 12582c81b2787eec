"""The DAG file processor: parse what changed, record DAGs and import errors in the store."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from slipstream.config import Settings
from slipstream.dagfiles.processor import DagFileProcessor, find_dag_files
from slipstream.store import dags as dag_store
from slipstream.store.db import Database

GOOD = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("{dag_id}", schedule="@daily", start_date=datetime(2024, 1, 1), tags=["t"]):
    BashOperator(task_id="first", bash_command="echo 1")
"""


@pytest.fixture
def processor(settings: Settings, db: Database) -> Iterator[DagFileProcessor]:
    proc = DagFileProcessor(settings.replace(dagbag_import_timeout=10.0), db)
    yield proc
    proc.close()


def write(folder: Path, name: str, source: str, mtime: float | None = None) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(source))
    if mtime is not None:
        os.utime(path, (mtime, mtime))
    return path


def active_dags(db: Database) -> dict[str, str]:
    with db.read() as session:
        return {row.dag_id: row.fileloc for row in dag_store.list_dags(session)}


def import_errors(db: Database) -> dict[str, list[tuple[int | None, str]]]:
    found: dict[str, list[tuple[int | None, str]]] = {}
    with db.read() as session:
        for row in dag_store.list_import_errors(session):
            found.setdefault(row.filename, []).append((row.line, row.exception))
    return found


def test_dags_and_serialized_dags_are_written(processor: DagFileProcessor, db: Database, home: Path) -> None:
    path = write(home / "dags", "good.py", GOOD.format(dag_id="good"))
    result = processor.process()
    assert [p.path for p in result.parsed] == [str(path)]
    assert active_dags(db) == {"good": str(path)}
    with db.read() as session:
        row = dag_store.get_dag(session, "good")
        assert row.is_active and not row.is_paused
        assert row.tags == ["t"]
        assert row.schedule == "@daily"
        assert row.owners == "airflow"
        assert row.last_parsed_time is not None
        serialized = dag_store.get_serialized(session, "good")
        assert serialized.fileloc == str(path)
        assert [t["task_id"] for t in serialized.data["tasks"]] == ["first"]
        assert len(serialized.dag_hash) == 32
    assert import_errors(db) == {}


def test_import_errors_are_written(processor: DagFileProcessor, db: Database, home: Path) -> None:
    path = write(home / "dags", "broken_dag.py", """
        from airflow import DAG
        dag = DAG("broken", default_args={"retry_delay": timedelta(minutes=1)})
        """)
    processor.process()
    assert active_dags(db) == {}
    assert import_errors(db) == {str(path): [(3, "NameError: name 'timedelta' is not defined")]}
    with db.read() as session:
        (row,) = dag_store.list_import_errors(session)
        assert "Traceback" in row.stacktrace and str(path) in row.stacktrace


def test_unchanged_files_are_not_parsed_again(processor: DagFileProcessor, home: Path) -> None:
    write(home / "dags", "good.py", GOOD.format(dag_id="good"))
    assert len(processor.process().parsed) == 1
    assert processor.process().parsed == []
    assert len(processor.process(force=True).parsed) == 1


def test_editing_a_file_parses_it_again(processor: DagFileProcessor, db: Database, home: Path) -> None:
    path = write(home / "dags", "evolving.py", GOOD.format(dag_id="evolving"), mtime=1_700_000_000)
    processor.process()
    with db.read() as session:
        first_hash = dag_store.get_serialized(session, "evolving").dag_hash

    write(home / "dags", "evolving.py", GOOD.format(dag_id="evolving") + """
    dag = DAG("evolving_two")
    BashOperator(task_id="second", bash_command="echo 2", dag=dag)
    """, mtime=1_700_000_100)
    result = processor.process()
    assert [p.path for p in result.parsed] == [str(path)]
    assert set(active_dags(db)) == {"evolving", "evolving_two"}
    with db.read() as session:
        assert dag_store.get_serialized(session, "evolving").dag_hash == first_hash

    # break the file: its DAGs go inactive and the import error appears
    write(home / "dags", "evolving.py", "from airflow import DAG\nundefined_name\n", mtime=1_700_000_200)
    processor.process()
    assert active_dags(db) == {}
    assert import_errors(db) == {str(path): [(2, "NameError: name 'undefined_name' is not defined")]}

    # fix it with only one DAG: the import error goes, the other DAG stays inactive
    write(home / "dags", "evolving.py", GOOD.format(dag_id="evolving"), mtime=1_700_000_300)
    processor.process()
    assert set(active_dags(db)) == {"evolving"}
    assert import_errors(db) == {}
    with db.read() as session:
        assert dag_store.get_dag(session, "evolving_two").is_active is False


def test_deleting_files_deactivates_dags_and_drops_import_errors(
    processor: DagFileProcessor, db: Database, home: Path
) -> None:
    good = write(home / "dags", "sub" / Path("good.py"), GOOD.format(dag_id="good"))
    broken = write(home / "dags", "broken_dag.py", "# a DAG file\nraise ValueError('nope')\n")
    keep = write(home / "dags", "keep.py", GOOD.format(dag_id="keep"))
    processor.process()
    assert set(active_dags(db)) == {"good", "keep"}
    assert set(import_errors(db)) == {str(broken)}

    good.unlink()
    broken.unlink()
    result = processor.process()
    assert result.removed == sorted([str(good), str(broken)])
    assert active_dags(db) == {"keep": str(keep)}
    assert import_errors(db) == {}
    with db.read() as session:
        assert dag_store.get_dag(session, "good").is_active is False
        assert dag_store.get_serialized(session, "good") is not None  # kept for history

    # the file comes back: the DAG is active again
    write(home / "dags", "sub" / Path("good.py"), GOOD.format(dag_id="good"))
    processor.process()
    assert set(active_dags(db)) == {"good", "keep"}


def test_one_bad_file_does_not_stop_the_others(processor: DagFileProcessor, db: Database, home: Path) -> None:
    write(home / "dags", "a_good.py", GOOD.format(dag_id="a_good"))
    not_json = write(home / "dags", "not_json_dag.py", """
        from datetime import datetime
        from airflow import DAG
        dag = DAG("not_json", params={"when": datetime(2024, 1, 1)})
        """)
    exits = write(home / "dags", "exits_dag.py", "# a DAG file\nimport os\nos._exit(2)\n")
    write(home / "dags", "z_good.py", GOOD.format(dag_id="z_good"))
    processor.process()
    assert set(active_dags(db)) == {"a_good", "z_good"}
    errors = import_errors(db)
    assert set(errors) == {str(not_json), str(exits)}
    assert "cannot be stored" in errors[str(not_json)][0][1]
    assert "exit code 2" in errors[str(exits)][0][1]


def test_a_dag_id_defined_in_two_files_stays_with_the_first_and_errors_in_the_second(
    processor: DagFileProcessor, db: Database, home: Path
) -> None:
    first = write(home / "dags", "a_first.py", GOOD.format(dag_id="shared"), mtime=1_700_000_000)
    second = write(home / "dags", "b_second.py", GOOD.format(dag_id="shared") + """
    with DAG("own_dag"):
        BashOperator(task_id="own", bash_command="echo own")
    """)
    processor.process()
    assert active_dags(db) == {"shared": str(first), "own_dag": str(second)}
    message = f"AirflowDagDuplicatedIdException: Ignoring DAG shared from {second} - also found in {first}"
    assert import_errors(db) == {str(second): [(None, message)]}

    # parsing every file again changes nothing
    processor.process(force=True)
    assert active_dags(db) == {"shared": str(first), "own_dag": str(second)}
    assert import_errors(db) == {str(second): [(None, message)]}

    # the owner stops defining it: the next pass gives it to the second file, unchanged on disk
    write(home / "dags", "a_first.py", GOOD.format(dag_id="renamed"), mtime=1_700_000_100)
    processor.process()
    assert active_dags(db) == {"renamed": str(first), "own_dag": str(second)}
    processor.process()
    assert active_dags(db) == {"renamed": str(first), "own_dag": str(second), "shared": str(second)}
    assert import_errors(db) == {}


def test_a_dag_id_moves_to_the_other_file_when_its_owner_is_deleted(
    processor: DagFileProcessor, db: Database, home: Path
) -> None:
    first = write(home / "dags", "a_first.py", GOOD.format(dag_id="shared"))
    second = write(home / "dags", "b_second.py", GOOD.format(dag_id="shared"))
    processor.process()
    assert active_dags(db) == {"shared": str(first)}
    first.unlink()
    processor.process()
    processor.process()
    assert active_dags(db) == {"shared": str(second)}
    assert import_errors(db) == {}


def test_seed_dags_in_the_store(processor: DagFileProcessor, db: Database, home: Path, seed_dags: Path) -> None:
    for source in list(seed_dags.glob("*.py")) + list((seed_dags / "fixed").glob("*.py")):
        shutil.copy(source, home / "dags" / source.name)
    processor.process()
    assert set(active_dags(db)) == {
        "parallel_data_processing", "parallel_notifications", "parallel_dependencies", "parallel_multiprocessing",
        "parallel_tasks_example", "etl_pipeline_fixed", "production_etl_v2_fixed", "parallel_etl_fixed",
        "parallel_dag_fixed", "dynamic_task_mapping_demo",
    }
    errors = {Path(name).name: lines for name, lines in import_errors(db).items()}
    assert set(errors) == {
        "seed001_parallel_example.py", "seed003_etl_pipeline.py",
        "seed003_production_etl_v2.py", "seed003_parallel_etl.py", "seed004_parallel_dag.py",
    }
    assert "task_c -> task_c" in errors["seed001_parallel_example.py"][0][1]
    assert errors["seed003_etl_pipeline.py"] == [(14, "NameError: name 'timedelta' is not defined")]
    assert errors["seed003_production_etl_v2.py"] == [(15, "NameError: name 'timedelta' is not defined")]
    assert errors["seed003_parallel_etl.py"] == [(20, "NameError: name 'DummyOperator' is not defined")]
    assert errors["seed004_parallel_dag.py"][0][0] == 31
    assert "Did you mean: 'task_1'?" in errors["seed004_parallel_dag.py"][0][1]
    with db.read() as session:
        data = dag_store.get_serialized(session, "parallel_data_processing").data
    assert len(data["tasks"]) == 9 and data["tags"] == ["parallel", "tutorial"]


def test_find_dag_files(tmp_path: Path) -> None:
    write(tmp_path, "has_dag.py", "# a DAG lives here\n")
    write(tmp_path, "no_mention.py", "x = 1\n")
    write(tmp_path, "_private.py", "dag = 1\n")
    write(tmp_path, "notes.txt", "dag\n")
    write(tmp_path, "nested/deeper_dag.py", "dag = 1\n")
    write(tmp_path, ".hidden/hidden_dag.py", "dag = 1\n")
    write(tmp_path, "__pycache__/cached_dag.py", "dag = 1\n")
    single = write(tmp_path / "elsewhere", "single.py", "x = 1\n")
    found = find_dag_files([tmp_path, single, tmp_path / "missing"])
    assert found == [str(tmp_path / "has_dag.py"), str(tmp_path / "nested" / "deeper_dag.py"), str(single)]


def test_a_dag_whose_result_cannot_be_stored_becomes_that_files_import_error(settings, db, write_dag, parse):
    from slipstream.store import dags as dag_store

    write_dag(
        "odd_owner.py",
        """
        from datetime import datetime
        from slipstream import DAG, EmptyOperator

        with DAG("odd_owner", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            EmptyOperator(task_id="t", owner=123)
        """,
    )
    write_dag(
        "fine.py",
        """
        from datetime import datetime
        from slipstream import DAG, EmptyOperator

        with DAG("fine", start_date=datetime(2024, 1, 1), schedule=None) as dag:
            EmptyOperator(task_id="t")
        """,
    )
    parse()
    with db.read() as session:
        active = {d.dag_id for d in dag_store.list_dags(session)}
        errors = {e.filename.rsplit("/", 1)[-1]: e.exception for e in dag_store.list_import_errors(session)}
    assert "fine" in active and "odd_owner" not in active
    assert "could not be stored" in errors["odd_owner.py"]
