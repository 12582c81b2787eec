"""``make conformance``: Airflow 3.3.2's own example DAGs through ``slipstream dags test``.

Downloads the apache-airflow-core and apache-airflow-providers-standard wheels into a cache
(~/.cache/slipstream/conformance, or SLIPSTREAM_CONFORMANCE_CACHE), unpacks their example_dags
folders into a temporary folder, runs every example DAG of the reference file (those that need
no external service) with ``slipstream dags test <dag_id> <LOGICAL_DATE>`` in its own fresh
SLIPSTREAM_HOME, reads each task instance's final state (``tasks states-for-dag-run``), and
prints one table row per DAG: does it load, the run's final state, the tasks whose state differs
from what Airflow 3.3.2 gave (airflow-3.3.2-states.json, measured by reference.py).

    .venv/bin/python conformance/run.py                   # every DAG
    .venv/bin/python conformance/run.py --only example_xcom --only tutorial
    .venv/bin/python conformance/run.py --readme          # also rewrite the table in README.md
    .venv/bin/python conformance/run.py --save out.json   # keep what Slipstream did ...
    .venv/bin/python conformance/run.py --from out.json   # ... and compare it again, running nothing

It reports, it does not gate: the exit code is 1 only when the harness itself cannot run.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from conformance.compare import Outcome, compare, summary, table  # noqa: E402
from conformance.examples import (  # noqa: E402
    AIRFLOW_VERSION,
    LOGICAL_DATE,
    TIME_LIMIT,
    download_wheels,
    extract_examples,
    folder_for,
)

REFERENCE = HERE / f"airflow-{AIRFLOW_VERSION}-states.json"
README = HERE / "README.md"
TABLE_START, TABLE_END = "<!-- conformance table: start -->", "<!-- conformance table: end -->"
SLIPSTREAM = str(Path(sys.executable).parent / "slipstream")


def slipstream(args: list[str], env: dict[str, str], timeout: float = 120.0) -> subprocess.CompletedProcess:
    return subprocess.run([SLIPSTREAM, *args], env=env, capture_output=True, text=True, timeout=timeout)


def json_output(args: list[str], env: dict[str, str]) -> list[dict]:
    done = slipstream([*args, "-o", "json"], env)
    if done.returncode != 0:
        return []
    return json.loads(done.stdout or "[]")


def run_dag(dag_id: str, files: dict[str, str], root: Path, work: Path, time_limit: float) -> Outcome:
    """``slipstream dags test`` for one DAG in a fresh home whose DAG folder holds only its file."""
    dag_file = folder_for(dag_id, files, root, work / dag_id / "dags")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("SLIPSTREAM", "AIRFLOW"))}
    env.update({
        "SLIPSTREAM_HOME": str(work / dag_id / "home"),
        "SLIPSTREAM__CORE__DAGS_FOLDER": str(dag_file.parent),
        "SLIPSTREAM__CORE__LOAD_EXAMPLES": "False",
        "SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "SLIPSTREAM__CLI__WARM_START": "False",  # one command per home: no warm start server to leave behind
    })
    started = time.perf_counter()
    timed_out = False
    try:
        done = slipstream(["dags", "test", dag_id, LOGICAL_DATE, "--timeout", f"{time_limit:g}"], env, time_limit + 60)
        (work / dag_id / "dags-test.log").write_text(done.stdout + done.stderr)
    except subprocess.TimeoutExpired:
        timed_out = True
    seconds = time.perf_counter() - started
    loaded = {row["dag_id"] for row in json_output(["dags", "list"], env)}
    if dag_id not in loaded:
        errors = [row["error"] for row in json_output(["dags", "list-import-errors"], env)
                  if Path(row["filepath"]).name == dag_file.name]
        return Outcome(dag_id, loads=False, import_error=errors[0] if errors else None, seconds=seconds)
    runs = json_output(["dags", "list-runs", dag_id], env)
    if not runs:
        return Outcome(dag_id, loads=True, state="timeout" if timed_out else None, seconds=seconds)
    run = runs[0]
    tasks = {
        row["task_id"] if row["map_index"] < 0 else f"{row['task_id']}[{row['map_index']}]": row["state"]
        for row in json_output(["tasks", "states-for-dag-run", dag_id, run["run_id"]], env)
    }
    state = "timeout" if timed_out or run["state"] in ("queued", "running") else run["state"]
    return Outcome(dag_id, loads=True, state=state, tasks=dict(sorted(tasks.items())), seconds=seconds)


def run_all(selected: list[str], files: dict[str, str], options: argparse.Namespace) -> list[Outcome]:
    wheels = download_wheels()
    work = Path(tempfile.mkdtemp(prefix="slipstream-conformance-"))
    outcomes = []
    try:
        root = extract_examples(wheels, work / "examples")
        for dag_id in selected:
            outcome = run_dag(dag_id, files, root, work / "runs", options.time_limit)
            outcomes.append(outcome)
            loads = "loads" if outcome.loads else "does not load"
            print(f"{dag_id}: {loads}, {outcome.state or '-'} ({outcome.seconds:.1f} s)", file=sys.stderr, flush=True)
    finally:
        if options.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return outcomes


def write_readme(text: str, readme: Path = README) -> None:
    """Replace the table between the markers in README.md."""
    content = readme.read_text()
    start, end = content.index(TABLE_START) + len(TABLE_START), content.index(TABLE_END)
    readme.write_text(content[:start] + "\n" + text + "\n" + content[end:])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", action="append", default=[], metavar="DAG_ID", help="Run only this DAG (repeatable).")
    parser.add_argument("--reference", type=Path, default=REFERENCE, help="The states Airflow gave (JSON).")
    parser.add_argument("--time-limit", type=float, default=TIME_LIMIT, help="Seconds for one `dags test`.")
    parser.add_argument("--readme", action="store_true", help="Also write the table into conformance/README.md.")
    parser.add_argument("--keep", action="store_true", help="Keep the temporary folder (homes, logs) and print it.")
    parser.add_argument("--save", type=Path, help="Also write what Slipstream did per DAG to this JSON file.")
    parser.add_argument("--from", dest="saved", type=Path,
                        help="Run nothing: compare the outcomes a --save wrote with the reference again.")
    options = parser.parse_args(argv)

    reference = json.loads(options.reference.read_text())
    expected = reference["dags"]
    unknown = sorted(set(options.only) - set(expected))
    if unknown:
        parser.error(f"not in {options.reference.name}: {', '.join(unknown)} (excluded: {', '.join(reference['excluded'])})")
    selected = options.only or sorted(expected)
    if options.saved:
        saved = {entry["dag_id"]: Outcome(**entry) for entry in json.loads(options.saved.read_text())}
        outcomes = [saved[dag_id] for dag_id in selected if dag_id in saved]
    else:
        outcomes = run_all(selected, {dag_id: entry["file"] for dag_id, entry in expected.items()}, options)
    if options.save:
        options.save.write_text(json.dumps([dataclasses.asdict(o) for o in outcomes], indent=1) + "\n")
    rows = [compare(outcome, expected[outcome.dag_id]) for outcome in outcomes]
    text = table(rows) + "\n\n" + summary(rows) + "\n"
    excluded = "\n".join(f"- {dag_id}: {reason}" for dag_id, reason in reference["excluded"].items())
    print(text)
    print(f"Not run (need an external service, or wait for what `dags test` never does):\n{excluded}")
    if options.readme and not options.only:
        write_readme(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
