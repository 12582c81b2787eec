"""Measure what Apache Airflow 3.3.2 does with its own example DAGs: the reference states.

Run it with the Python of a throwaway virtualenv that has apache-airflow==3.3.2 (never
Slipstream's):

    python3 -m venv /tmp/airflow-ref && /tmp/airflow-ref/bin/pip install apache-airflow==3.3.2
    /tmp/airflow-ref/bin/python conformance/reference.py            # every example
    /tmp/airflow-ref/bin/python conformance/reference.py example_xcom  # some, merged into the file

For each example DAG that needs no external service it runs ``airflow dags test <dag_id>
<LOGICAL_DATE>`` in a temporary AIRFLOW_HOME (SQLite), with a DAG folder holding that DAG's file
and the folders beside it, then reads the run's state and every task instance's final state from
Airflow's database, and writes them to conformance/airflow-3.3.2-states.json.
"""

from __future__ import annotations

import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conformance.examples import (  # noqa: E402 - the repository root is put on the path first
    AIRFLOW_VERSION,
    EXCLUDED,
    LOGICAL_DATE,
    TIME_LIMIT,
    WHEELS,
    download_wheels,
    example_files,
    extract_examples,
    folder_for,
)

OUTPUT = HERE / f"airflow-{AIRFLOW_VERSION}-states.json"
AIRFLOW = str(Path(sys.executable).parent / "airflow")


def airflow(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    return subprocess.run([AIRFLOW, *args], env=env, capture_output=True, text=True, timeout=timeout)


def json_rows(output: str) -> list[dict]:
    """The JSON list Airflow printed, among its log lines."""
    for line in reversed(output.splitlines()):
        if line.startswith("["):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    raise SystemExit(f"no JSON list in Airflow's output:\n{output[-2000:]}")


def discover(root: Path, env: dict[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """dag_id -> file (relative to ``root``), and file -> import error, as Airflow loads the folder."""
    env = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(root)}
    listed = airflow(["dags", "list", "-l", "-o", "json"], env, 600)
    rows = json_rows(listed.stdout)
    files = {row["dag_id"]: str(Path(row["fileloc"]).resolve().relative_to(root)) for row in rows}
    errors_out = airflow(["dags", "list-import-errors", "-l", "-o", "json"], env, 600)
    errors = {}
    for row in json_rows(errors_out.stdout):
        errors[str(Path(row["filepath"]).resolve().relative_to(root))] = row["error"].strip().splitlines()[-1]
    return files, errors


def read_states(database: Path, dag_id: str) -> tuple[str | None, dict[str, str]]:
    """The run's state and each task instance's ("task" or "task[map_index]") from Airflow's DB."""
    with sqlite3.connect(database) as connection:
        run = connection.execute(
            "SELECT run_id, state FROM dag_run WHERE dag_id = ? ORDER BY id DESC LIMIT 1", (dag_id,)
        ).fetchone()
        if run is None:
            return None, {}
        rows = connection.execute(
            "SELECT task_id, map_index, state FROM task_instance WHERE dag_id = ? AND run_id = ?", (dag_id, run[0])
        ).fetchall()
    tasks = {task_id if index < 0 else f"{task_id}[{index}]": state or "none" for task_id, index, state in rows}
    return run[1], dict(sorted(tasks.items()))


def run_one(dag_id: str, files: dict[str, str], root: Path, work: Path, env: dict[str, str]) -> dict:
    dag_file = folder_for(dag_id, files, root, work / "dags" / dag_id)
    env = {**env, "AIRFLOW__CORE__DAGS_FOLDER": str(dag_file.parent)}
    started = time.perf_counter()
    timed_out = False
    try:
        done = airflow(["dags", "test", dag_id, LOGICAL_DATE], env, TIME_LIMIT)
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as expired:
        timed_out, code = True, None
        output = (expired.stdout or b"").decode(errors="replace") + (expired.stderr or b"").decode(errors="replace")
    state, tasks = read_states(Path(env["AIRFLOW_HOME"]) / "airflow.db", dag_id)
    result = {
        "file": files[dag_id], "state": "timeout" if timed_out else state, "tasks": tasks,
        "exit_code": code, "seconds": round(time.perf_counter() - started, 1),
    }
    if state is None and not timed_out:
        result["output_tail"] = output.strip().splitlines()[-5:]
    return result


def main(selected: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="airflow-reference-") as scratch:
        work = Path(scratch)
        root = extract_examples(download_wheels(python=sys.executable), work / "examples")
        env = {
            key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "SLIPSTREAM"))
        }
        env.update({
            "AIRFLOW_HOME": str(work / "airflow-home"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        })
        done = airflow(["db", "migrate"], env, 600)
        if done.returncode != 0:
            raise SystemExit(f"airflow db migrate failed:\n{done.stdout}\n{done.stderr}")
        files, import_errors = discover(root, env)
        files_total = [str(p.relative_to(root)) for p in example_files(root)]
        previous = json.loads(OUTPUT.read_text()) if OUTPUT.exists() and selected else {"dags": {}}
        dags = {dag_id: entry for dag_id, entry in previous["dags"].items() if dag_id not in EXCLUDED}
        for dag_id in sorted(files):
            if dag_id in EXCLUDED or (selected and dag_id not in selected):
                continue
            dags[dag_id] = run_one(dag_id, files, root, work, env)
            print(f"{dag_id}: {dags[dag_id]['state']} ({dags[dag_id]['seconds']} s)", flush=True)
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    command = "<venv with apache-airflow==3.3.2>/bin/python conformance/reference.py"
    report = {
        "airflow": AIRFLOW_VERSION,
        "wheels": {name: f"{dist}=={version}" for name, (dist, version, _) in WHEELS.items()},
        "logical_date": LOGICAL_DATE,
        "command": command,
        "measured": previous.get("measured", now) if selected else now,
        "updated": [*previous.get("updated", []), f"{now}: {' '.join(selected)}"] if selected else [],
        "python": platform.python_version(),
        "files": files_total,
        "airflow_import_errors": import_errors,
        "excluded": {dag_id: reason for dag_id, reason in sorted(EXCLUDED.items())},
        "dags": dict(sorted(dags.items())),
    }
    OUTPUT.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {OUTPUT} ({len(dags)} DAGs)")


if __name__ == "__main__":
    main(sys.argv[1:])
