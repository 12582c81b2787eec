"""The conformance harness's own code: unpacking the examples, comparing, the table. No network."""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `conformance`

from conformance import examples, run
from conformance.compare import Outcome, compare, summary, table

REFERENCE = Path(run.REFERENCE)


def test_a_dag_that_ends_as_in_airflow_matches():
    reference = {"state": "success", "tasks": {"a": "success", "b[0]": "success", "b[1]": "skipped"}}
    row = compare(Outcome("d", loads=True, state="success", tasks=dict(reference["tasks"])), reference)
    assert row.matches and row.differences == []


def test_each_task_in_another_state_or_missing_is_a_difference():
    reference = {"state": "failed", "tasks": {"a": "success", "b": "failed", "c": "upstream_failed"}}
    outcome = Outcome("d", loads=True, state="success", tasks={"a": "success", "b": "success", "extra": "skipped"})
    row = compare(outcome, reference)
    assert not row.matches
    assert row.differences == [
        "b: success (Airflow: failed)", "c: absent (Airflow: upstream_failed)", "extra: skipped (Airflow: absent)",
    ]
    line = table([row]).splitlines()[-1]
    assert line.startswith("| d | yes | success (Airflow: failed) | b: success (Airflow: failed); ")


def test_a_dag_that_does_not_load_shows_the_first_line_of_its_import_error():
    error = "ModuleNotFoundError: No module named 'pendulum'\nmore | detail"
    row = compare(Outcome("d", loads=False, import_error=error), {"state": "success", "tasks": {"a": "success"}})
    assert not row.matches and row.differences == []
    assert table([row]).splitlines()[-1] == "| d | **no** | - | ModuleNotFoundError: No module named 'pendulum' |"
    assert summary([row]) == "0 of 1 DAGs end as in Airflow; 0 of 1 load."


def test_a_long_import_error_is_cut_and_airflow_giving_no_run_is_said_so():
    long_error = "ModuleNotFoundError: No module named 'x': Supported Airflow modules: " + ", ".join(["airflow.a"] * 40)
    rows = [
        compare(Outcome("long", loads=False, import_error=long_error), {"state": "success", "tasks": {}}),
        compare(Outcome("ran", loads=True, state="success", tasks={"a": "success"}), {"state": None, "tasks": {}}),
        compare(Outcome("both_refused", loads=True), {"state": None, "tasks": {}}),
    ]
    lines = table(rows).splitlines()[2:]
    assert lines[0].endswith("… |") and len(lines[0]) < len(long_error)
    assert lines[1] == "| ran | yes | success (Airflow: no run) | a: success (Airflow: absent) |"
    assert lines[2] == "| both_refused | yes | no run |  |" and rows[2].matches


def test_same_tasks_but_another_run_state_differs():
    row = compare(Outcome("d", loads=True, state="failed", tasks={"a": "success"}), {"state": "success", "tasks": {"a": "success"}})
    assert not row.matches and row.differences == []
    assert "failed (Airflow: success)" in table([row])


def _fake_wheel(path: Path, inside: str, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(inside + name, text)
        archive.writestr("airflow/other.py", "not an example")
    return path


def test_examples_are_unpacked_with_the_folders_beside_them_and_each_dag_gets_its_own_folder(tmp_path):
    wheels = {
        "core": _fake_wheel(tmp_path / "core.whl", examples.WHEELS["core"][2], {
            "example_one.py": "# one", "example_target.py": "# target", "__init__.py": "",
            "sql/q.sql": "select 1", "libs/helper.py": "# helper", "__pycache__/x.pyc": "",
        }),
        "standard": _fake_wheel(tmp_path / "standard.whl", examples.WHEELS["standard"][2], {
            "example_controller.py": "# controller", "sql/q.sql": "select 2",
        }),
    }
    root = examples.extract_examples(wheels, tmp_path / "examples")
    assert [p.relative_to(root).as_posix() for p in examples.example_files(root)] == [
        "core/example_one.py", "core/example_target.py", "standard/example_controller.py",
    ]
    assert not (root / "core" / "__pycache__").exists() and not (root / "other.py").exists()

    files = {"one": "core/example_one.py", "example_trigger_target_dag": "core/example_target.py",
             "example_trigger_controller_dag": "standard/example_controller.py"}
    dag_file = examples.folder_for("one", files, root, tmp_path / "one")
    assert sorted(p.relative_to(dag_file.parent).as_posix() for p in dag_file.parent.rglob("*") if p.is_file()) == [
        "example_one.py", "libs/helper.py", "sql/q.sql",
    ]
    controller = examples.folder_for("example_trigger_controller_dag", files, root, tmp_path / "controller")
    assert sorted(p.name for p in controller.parent.glob("*.py")) == ["example_controller.py", "example_target.py"]
    assert (controller.parent / "sql" / "q.sql").read_text() == "select 2"


def test_the_table_replaces_the_one_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{run.TABLE_START}\nold table\n{run.TABLE_END}\n\nAfter.\n")
    run.write_readme("| new |", readme)
    assert readme.read_text() == f"# Title\n\n{run.TABLE_START}\n| new |\n{run.TABLE_END}\n\nAfter.\n"


def test_the_reference_file_holds_a_measured_result_for_each_example_not_excluded():
    reference = json.loads(REFERENCE.read_text())
    assert reference["airflow"] == examples.AIRFLOW_VERSION and reference["logical_date"] == examples.LOGICAL_DATE
    assert reference["excluded"] == examples.EXCLUDED
    assert set(reference["dags"]).isdisjoint(examples.EXCLUDED)
    for dag_id, entry in reference["dags"].items():
        assert entry["file"] in reference["files"], dag_id
        if entry["state"] is None:  # Airflow itself gave no run: what it printed says why
            assert entry["output_tail"] and entry["tasks"] == {}, dag_id
        else:
            assert entry["state"] in ("success", "failed"), (dag_id, entry["state"])
            assert entry["exit_code"] == (0 if entry["state"] == "success" else 1), dag_id
            assert set(entry["tasks"].values()) <= {"success", "failed", "skipped", "upstream_failed", "removed"}
    for dag_id, companions in examples.COMPANIONS.items():
        assert {dag_id, *companions} <= set(reference["dags"])


def test_an_unknown_dag_is_refused_before_anything_is_downloaded(capsys):
    with pytest.raises(SystemExit):
        run.main(["--only", "no_such_example"])
    assert f"not in {REFERENCE.name}: no_such_example" in capsys.readouterr().err
