"""Apache Airflow's own example DAGs, from its published wheels: where to get them, which to run.

Standard library only: the reference script (run with a Python that has Airflow installed) and
the harness (run with Slipstream's) both import it. Airflow's example files are downloaded and
unpacked at run time, never committed here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

AIRFLOW_VERSION = "3.3.2"
WHEELS = {
    # folder name in the DAG folder -> (distribution, version, the examples' folder inside the wheel)
    "core": ("apache-airflow-core", AIRFLOW_VERSION, "airflow/example_dags/"),
    "standard": ("apache-airflow-providers-standard", "1.21.0", "airflow/providers/standard/example_dags/"),
}
CACHE = Path(os.environ.get("SLIPSTREAM_CONFORMANCE_CACHE") or Path.home() / ".cache" / "slipstream" / "conformance")

# Every DAG runs for this one logical date, in Airflow and in Slipstream: a Monday (for the
# day-of-week branches and sensors). The task and asset state store examples start on
# 2026-01-01, after it: Airflow gives their runs no task instances, and so must Slipstream.
LOGICAL_DATE = "2025-01-06T00:00:00+00:00"
TIME_LIMIT = 300.0  # seconds for one `dags test`

# DAGs not run, and why: each needs something outside this machine, or waits for what
# `dags test` never does.
EXCLUDED = {
    "example_kubernetes_executor": "needs a Kubernetes cluster (and the kubernetes client)",
    "example_local_kubernetes_executor": "needs a Kubernetes cluster (and the kubernetes client)",
    "example_dag_decorator": "fetches https://httpbingo.org/get (network service)",
    "tutorial_objectstorage": "reads an HTTP API and writes to an S3 bucket (cloud)",
    "example_retry_policy": "calls https://api.example.com/data (network service)",
    "example_hitl_operator": "waits for a person to answer in the UI",
    "example_external_task_marker_child": (
        "its sensors wait up to 10 minutes for a run of example_external_task_marker_parent that `dags test` "
        "never starts"
    ),
    "example_external_task": "waits for a run of child_dag that only a running scheduler would execute",
    "example_sensors": (
        "no reference: in Airflow 3.3.2's own `dags test` its run does not end within 300 s (a deferred "
        "TimeSensor waits for a time an hour ahead; the other tasks stay scheduled)"
    ),
}

# DAGs that need another DAG to exist when they run (TriggerDagRunOperator's target): its file is
# put in the same DAG folder.
COMPANIONS = {"example_trigger_controller_dag": ["example_trigger_target_dag"]}


def wheel_path(distribution: str, version: str, cache: Path = CACHE) -> Path | None:
    prefix = f"{distribution.replace('-', '_')}-{version}-"
    found = sorted(cache.glob(f"{prefix}*.whl"))
    return found[0] if found else None


def download_wheels(cache: Path = CACHE, python: str = sys.executable) -> dict[str, Path]:
    """The two wheels in ``cache`` (``pip download --no-deps`` the first time)."""
    cache.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for name, (distribution, version, _) in WHEELS.items():
        path = wheel_path(distribution, version, cache)
        if path is None:
            subprocess.run(
                [python, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--quiet",
                 "--dest", str(cache), f"{distribution}=={version}"],
                check=True,
            )
            path = wheel_path(distribution, version, cache)
            if path is None:
                raise SystemExit(f"pip download gave no wheel of {distribution}=={version} in {cache}")
        paths[name] = path
    return paths


def extract_examples(wheels: dict[str, Path], target: Path) -> Path:
    """Unpack each wheel's example_dags folder (with sql/, libs/, plugins/) under ``target/<name>``."""
    for name, wheel in wheels.items():
        inside = WHEELS[name][2]
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if not member.startswith(inside) or member.endswith("/") or "__pycache__" in member:
                    continue
                destination = target / name / member[len(inside):]
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(archive.read(member))
    return target


def example_files(root: Path) -> list[Path]:
    """The example DAG files: the top-level modules of each unpacked folder."""
    return sorted(p for name in WHEELS for p in (root / name).glob("*.py") if not p.name.startswith("_"))


def folder_for(dag_id: str, files: dict[str, str], root: Path, target: Path) -> Path:
    """A DAG folder holding only ``dag_id``'s file (and its companions' files), with the folders
    beside it in the wheel (sql/, libs/, plugins/) copied next to it, so that relative template
    paths and imports resolve as they do in the examples folder.

    ``files`` maps dag_id to its file relative to ``root`` ("core/example_xcom.py").
    """
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    source = root / files[dag_id]
    for other in [dag_id, *COMPANIONS.get(dag_id, [])]:
        shutil.copy(root / files[other], target / Path(files[other]).name)
    for entry in source.parent.iterdir():
        if entry.is_dir() and not entry.name.startswith(("_", ".")):
            shutil.copytree(entry, target / entry.name, ignore=shutil.ignore_patterns("__pycache__"))
    return target / source.name
