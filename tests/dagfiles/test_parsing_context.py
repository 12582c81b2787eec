"""``get_parsing_context()``: a DAG file imported for one task run knows which; the parser does not."""

from __future__ import annotations

from pathlib import Path

from slipstream.dagfiles.loader import load_dag_file, load_dag_file_cached

GENERATED = '''
from datetime import datetime
from airflow.sdk import DAG, get_parsing_context
from airflow.operators.empty import EmptyOperator

current_dag_id = get_parsing_context().dag_id
open(__file__ + '.seen', 'a').write(repr(tuple(get_parsing_context())) + chr(10))
for name in ("gen_a", "gen_b", "gen_c"):
    if current_dag_id is not None and current_dag_id != name:
        continue  # imported to run a task of another DAG: skip building this one
    with DAG(name, start_date=datetime(2024, 1, 1), schedule=None):
        EmptyOperator(task_id="work")
'''


def write(tmp_path: Path) -> Path:
    path = tmp_path / "generated.py"
    path.write_text(GENERATED)
    return path


def seen(path: Path) -> list[str]:
    """What get_parsing_context() returned at each import of the file."""
    return Path(f"{path}.seen").read_text().splitlines()


def test_the_parser_sees_no_task_and_builds_every_dag(tmp_path: Path) -> None:
    path = write(tmp_path)
    loaded = load_dag_file(path)
    assert sorted(d.dag_id for d in loaded.dags) == ["gen_a", "gen_b", "gen_c"]
    assert seen(path) == ["(None, None)"]


def test_a_task_run_names_its_dag_and_task_and_is_not_reused_for_another(tmp_path: Path) -> None:
    path = write(tmp_path)
    for_b = load_dag_file_cached(path, for_task=("gen_b", "work"))
    assert [d.dag_id for d in for_b.dags] == ["gen_b"]
    assert load_dag_file_cached(path, for_task=("gen_b", "work")) is for_b  # same task: reused
    for_c = load_dag_file_cached(path, for_task=("gen_c", "work"))
    assert [d.dag_id for d in for_c.dags] == ["gen_c"]
    assert seen(path) == ["('gen_b', 'work')", "('gen_c', 'work')"]
    everything = load_dag_file_cached(path)
    assert len(everything.dags) == 3
    assert load_dag_file_cached(path, for_task=("gen_a", "work")) is everything  # a full import serves all
