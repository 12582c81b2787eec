"""``slipstream dags list | list-import-errors | show | trigger | test | list-runs | pause | unpause``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from cli_helpers import FAILING_DAG, add_seeds, invoke, invoke_json, no_traceback, run

GOOD = ("seed001_parallel_dependencies.py", "seed000_parallel_data_processing.py")
BROKEN = (
    "seed001_parallel_example.py", "seed003_etl_pipeline.py", "seed003_parallel_etl.py",
    "seed003_production_etl_v2.py", "seed004_parallel_dag.py",
)


@pytest.fixture
def seeded(dags_dir: Path, seed_dags: Path) -> Path:
    add_seeds(dags_dir, seed_dags, *GOOD)
    return dags_dir


@pytest.fixture
def with_broken(seeded: Path, seed_dags: Path) -> Path:
    add_seeds(seeded, seed_dags, *BROKEN)
    return seeded


# -- list ------------------------------------------------------------------------------------


def test_list_json_has_the_airflow_fields(runner, with_broken):
    seeded = with_broken
    rows = {row["dag_id"]: row for row in invoke_json(runner, "dags", "list")}
    assert set(rows) == {"parallel_dependencies", "parallel_data_processing"}
    processing = rows["parallel_data_processing"]
    assert {"dag_id", "fileloc", "owners", "is_paused"} <= set(processing)
    assert processing["fileloc"] == str(seeded / "seed000_parallel_data_processing.py")
    assert processing["owners"] == "data-team"
    assert processing["is_paused"] is False
    assert sorted(processing["tags"]) == ["parallel", "tutorial"]
    assert rows["parallel_dependencies"]["owners"] == "airflow"


def test_list_table_and_plain(runner, seeded):
    table = invoke(runner, "dags", "list").stdout
    assert "parallel_dependencies" in table and "parallel_data_processing" in table
    assert "dag_id" in table and "is_paused" in table
    plain = invoke(runner, "dags", "list", "-o", "plain").stdout.splitlines()
    assert [c.strip() for c in plain[0].split("|")] == [
        "dag_id", "fileloc", "owners", "is_paused", "schedule", "tags", "next_dagrun",
    ]
    rows = {cells[0]: cells for cells in ([c.strip() for c in line.split("|")] for line in plain[1:])}
    assert rows["parallel_data_processing"][2:4] == ["data-team", "False"]
    assert rows["parallel_data_processing"][5] == "parallel, tutorial"


def test_list_from_another_folder(runner, tmp_path, seed_dags):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    add_seeds(folder, seed_dags, "seed001_parallel_dependencies.py")
    assert invoke_json(runner, "dags", "list") == []
    rows = invoke_json(runner, "dags", "list", "-S", str(folder))
    assert [r["dag_id"] for r in rows] == ["parallel_dependencies"]


def test_list_with_no_dags(runner):
    assert "No data found" in invoke(runner, "dags", "list").stdout
    assert invoke_json(runner, "dags", "list") == []


def test_list_output_must_be_a_known_format(runner):
    result = invoke(runner, "dags", "list", "-o", "csv", code=2)
    assert "'csv' is not one of 'table', 'json', 'yaml', 'plain'" in result.stderr


# -- list-import-errors ----------------------------------------------------------------------


def test_list_import_errors_json(runner, with_broken):
    seeded = with_broken
    errors = {Path(e["filepath"]).name: e for e in invoke_json(runner, "dags", "list-import-errors")}
    assert set(errors) == set(BROKEN)
    parallel_dag = errors["seed004_parallel_dag.py"]
    assert parallel_dag["filepath"] == str(seeded / "seed004_parallel_dag.py")
    assert parallel_dag["line"] == 31
    assert "NameError: name 'task1' is not defined" in parallel_dag["error"]
    assert "Did you mean: 'task_1'?" in parallel_dag["error"]
    assert errors["seed003_etl_pipeline.py"]["line"] == 14
    assert "NameError: name 'timedelta' is not defined" in errors["seed003_etl_pipeline.py"]["error"]
    assert errors["seed003_production_etl_v2.py"]["line"] == 15
    assert errors["seed003_parallel_etl.py"]["line"] == 20
    assert "DummyOperator" in errors["seed003_parallel_etl.py"]["error"]
    cycle = errors["seed001_parallel_example.py"]["error"]
    assert "ycle" in cycle and "task_c" in cycle
    assert all(e["stacktrace"] for e in errors.values())


def test_list_import_errors_table_shows_the_text_as_it_is(runner, dags_dir, seed_dags):
    """Square brackets in an error are data, not rich markup: they must not vanish from the table."""
    add_seeds(dags_dir, seed_dags, "seed004_parallel_dag.py")
    (dags_dir / "brackets.py").write_text(
        "from airflow import DAG\n\nraise ValueError('cannot set [task_a, task_b] >> [task_c] here [/]')\n"
    )
    table = invoke(runner, "dags", "list-import-errors").stdout
    assert "[task_a, task_b] >> [task_c] here [/]" in table
    assert "Did you mean: 'task_1'?" in table
    plain = invoke(runner, "dags", "list-import-errors", "-o", "plain").stdout
    assert re.search(r"brackets\.py\s*\|\s*3\s*\|\s*ValueError: cannot set \[task_a, task_b\]", plain), plain


def test_no_import_errors(runner, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed001_parallel_dependencies.py")
    assert invoke_json(runner, "dags", "list-import-errors") == []


def test_a_fixed_file_clears_its_import_error(runner, dags_dir, seed_dags):
    add_seeds(dags_dir, seed_dags, "seed004_parallel_dag.py")
    assert len(invoke_json(runner, "dags", "list-import-errors")) == 1
    (dags_dir / "seed004_parallel_dag.py").write_text((seed_dags / "fixed" / "seed004_parallel_dag_fixed.py").read_text())
    # what the scheduler recorded until it (or --local) parses the file again
    assert len(invoke_json(runner, "dags", "list-import-errors")) == 1
    assert invoke_json(runner, "dags", "list-import-errors", "--local") == []
    assert [d["dag_id"] for d in invoke_json(runner, "dags", "list")] == ["parallel_dag_fixed"]


# -- show ------------------------------------------------------------------------------------


def test_show_prints_dot(runner, seeded):
    dot = invoke(runner, "dags", "show", "parallel_dependencies").stdout
    assert dot.startswith('digraph "parallel_dependencies" {')
    assert dot.rstrip().endswith("}")
    edges = set(re.findall(r'"(\w+)" -> "(\w+)";', dot))
    assert edges == {("task_a", "task_c"), ("task_b", "task_c")}
    for task in ("task_a", "task_b", "task_c"):
        assert f'"{task}" [label="{task}"' in dot


def test_show_of_a_bigger_dag(runner, seeded):
    dot = invoke(runner, "dags", "show", "parallel_data_processing").stdout
    edges = set(re.findall(r'"(\w+)" -> "(\w+)";', dot))
    assert len(edges) == 10
    assert ("start_pipeline", "extract_sales_data") in edges
    assert ("combine_all_data", "end_pipeline") in edges


def test_show_unknown_dag(runner, seeded):
    result = invoke(runner, "dags", "show", "nope", code=1)
    assert "DAG 'nope' not found" in result.stderr


# -- trigger and list-runs -------------------------------------------------------------------


def test_trigger_with_conf_queues_a_run(runner, seeded):
    created = invoke_json(runner, "dags", "trigger", "parallel_dependencies", "--conf", '{"x": 1}')
    assert len(created) == 1
    run_id = created[0]["run_id"]
    assert created[0]["state"] == "queued"
    assert created[0]["conf"] == {"x": 1}
    assert run_id.startswith("manual__")

    runs = invoke_json(runner, "dags", "list-runs", "parallel_dependencies")
    assert [(r["run_id"], r["state"], r["run_type"]) for r in runs] == [(run_id, "queued", "manual")]
    assert runs[0]["conf"] == {"x": 1}
    assert invoke_json(runner, "dags", "list-runs", "-d", "parallel_dependencies") == runs
    assert invoke_json(runner, "dags", "list-runs", "--dag-id", "parallel_dependencies") == runs
    table = invoke(runner, "dags", "list-runs", "-d", "parallel_dependencies").stdout
    assert run_id in table and "queued" in table


def test_trigger_with_run_id_and_logical_date(runner, seeded):
    created = invoke_json(
        runner, "dags", "trigger", "parallel_dependencies", "-r", "my_run", "-l", "2024-03-01T02:00:00"
    )
    assert created[0]["run_id"] == "my_run"
    assert created[0]["logical_date"] == "2024-03-01T02:00:00+00:00"
    again = invoke(runner, "dags", "trigger", "parallel_dependencies", "-r", "my_run", code=1)
    assert "my_run" in again.stderr
    assert no_traceback(again.output)
    bad_date = invoke(runner, "dags", "trigger", "parallel_dependencies", "-e", "yesterday", code=2)
    assert "'yesterday' is not an ISO date" in bad_date.stderr
    assert len(invoke_json(runner, "dags", "list-runs", "parallel_dependencies")) == 1


@pytest.mark.parametrize(
    ("run_id", "says"),
    [
        ("../x", "must not contain '..'"),
        ("..", "cannot be '.' or '..'"),
        ("a/b", "does not match the allowed pattern '^[A-Za-z0-9_.~:+-]+$' ([scheduler] allowed_run_id_pattern)"),
        ("scheduled__2024-01-01T00:00:00+00:00", "the prefix scheduled__ is kept for scheduled runs"),
    ],
)
def test_trigger_refuses_a_run_id_outside_the_rule(runner, seeded, run_id, says):
    result = invoke(runner, "dags", "trigger", "parallel_dependencies", "-r", run_id, code=1)
    assert f"Error: The run_id {run_id!r}" in result.stderr or "A manual DAG run cannot use" in result.stderr
    assert says in result.stderr
    assert no_traceback(result.output)
    assert invoke_json(runner, "dags", "list-runs", "parallel_dependencies") == []


def test_trigger_with_conf_that_is_not_json_creates_nothing(runner, seeded):
    result = invoke(runner, "dags", "trigger", "parallel_dependencies", "--conf", "not json", code=2)
    assert "Invalid value for --conf: not valid JSON" in result.stderr
    result = invoke(runner, "dags", "trigger", "parallel_dependencies", "-c", "[1, 2]", code=2)
    assert "must be a JSON object" in result.stderr
    assert invoke_json(runner, "dags", "list-runs", "parallel_dependencies") == []


def test_trigger_unknown_dag(runner, seeded):
    result = invoke(runner, "dags", "trigger", "no_such_dag", code=1)
    assert result.stderr.startswith("Error: DAG 'no_such_dag' not found")
    assert "list-import-errors" in result.stderr


def test_trigger_a_dag_whose_file_is_broken(runner, with_broken):
    result = invoke(runner, "dags", "trigger", "parallel_dag", code=1)
    assert "DAG 'parallel_dag' not found" in result.stderr


def test_trigger_as_a_real_process(seeded):
    created = json.loads(run("dags", "trigger", "parallel_dependencies", "-c", '{"x": 1}', "-o", "json").stdout)
    listed = json.loads(run("dags", "list-runs", "parallel_dependencies", "-o", "json").stdout)
    assert [r["run_id"] for r in listed] == [created[0]["run_id"]]
    bad = run("dags", "trigger", "parallel_dependencies", "--conf", "not json", code=2)
    assert "not valid JSON" in bad.stderr and no_traceback(bad.stderr)


def test_list_runs_filters_and_errors(runner, seeded):
    for n in range(3):
        invoke(runner, "dags", "trigger", "parallel_dependencies", "-r", f"run_{n}", "-l", f"2024-01-0{n + 1}")
    runs = invoke_json(runner, "dags", "list-runs", "parallel_dependencies")
    assert [r["run_id"] for r in runs] == ["run_2", "run_1", "run_0"]  # newest first
    assert len(invoke_json(runner, "dags", "list-runs", "parallel_dependencies", "--limit", "2")) == 2
    assert invoke_json(runner, "dags", "list-runs", "parallel_dependencies", "--state", "success") == []
    assert "No data found" in invoke(runner, "dags", "list-runs", "parallel_data_processing").stdout

    assert "DAG 'nope' not found" in invoke(runner, "dags", "list-runs", "nope", code=1).stderr
    assert "give the DAG" in invoke(runner, "dags", "list-runs", code=2).stderr
    both = invoke(runner, "dags", "list-runs", "parallel_dependencies", "-d", "parallel_data_processing", code=2)
    assert "two different DAGs" in both.stderr


# -- pause and unpause -----------------------------------------------------------------------


def _paused(runner) -> dict[str, bool]:
    return {row["dag_id"]: row["is_paused"] for row in invoke_json(runner, "dags", "list")}


def test_pause_and_unpause(runner, seeded):
    assert _paused(runner) == {"parallel_dependencies": False, "parallel_data_processing": False}
    assert invoke(runner, "dags", "pause", "parallel_dependencies").stdout.strip() == (
        "Dag: parallel_dependencies, paused: True"
    )
    assert _paused(runner) == {"parallel_dependencies": True, "parallel_data_processing": False}
    assert "paused: False" in invoke(runner, "dags", "unpause", "parallel_dependencies").stdout
    assert _paused(runner) == {"parallel_dependencies": False, "parallel_data_processing": False}


def test_pause_by_regex_and_as_json(runner, seeded):
    invoke(runner, "dags", "pause", "^parallel_d", "--treat-dag-id-as-regex", input="n\n", code=1)
    assert _paused(runner) == {"parallel_dependencies": False, "parallel_data_processing": False}
    rows = invoke_json(runner, "dags", "pause", "^parallel_d", "--treat-dag-id-as-regex", "-y")
    assert sorted(rows, key=lambda r: r["dag_id"]) == [
        {"dag_id": "parallel_data_processing", "is_paused": True}, {"dag_id": "parallel_dependencies", "is_paused": True},
    ]
    assert invoke_json(runner, "dags", "unpause", "parallel_dependencies") == [
        {"dag_id": "parallel_dependencies", "is_paused": False}
    ]
    assert "No DAG id matches" in invoke(runner, "dags", "pause", "^zzz", "--treat-dag-id-as-regex", code=1).stderr


def test_pause_unknown_dag(runner, seeded):
    invoke(runner, "dags", "list")
    assert "DAG 'nope' not found" in invoke(runner, "dags", "pause", "nope", code=1).stderr
    assert "DAG 'nope' not found" in invoke(runner, "dags", "unpause", "nope", code=1).stderr


# -- test ------------------------------------------------------------------------------------


def test_dags_test_runs_the_whole_dag(runner, seeded):
    result = invoke(runner, "dags", "test", "parallel_dependencies")
    out = result.stdout
    assert re.search(r"task_id\s.*\sstate\s", out), out
    for task in ("task_a", "task_b", "task_c"):
        assert re.search(rf"{task}\s.*\ssuccess\s", out), out
    assert re.search(r"DAG run parallel_dependencies manual__\S+: success", out), out
    runs = invoke_json(runner, "dags", "list-runs", "parallel_dependencies")
    assert [r["state"] for r in runs] == ["success"]


def test_dags_test_as_a_real_process(seeded):
    done = run("dags", "test", "parallel_dependencies", "--conf", '{"x": 1}')
    assert re.search(r"task_c\s.*\ssuccess", done.stdout), done.stdout
    assert re.search(r"DAG run parallel_dependencies \S+: success in [\d.]+ s", done.stdout.replace("\n", " "))


def test_dags_test_of_a_failing_dag_exits_1(runner, dags_dir):
    (dags_dir / "failing.py").write_text(FAILING_DAG)
    result = invoke(runner, "dags", "test", "failing_dag", code=1)
    out = result.stdout
    assert re.search(r"ok\s.*\ssuccess", out), out
    assert re.search(r"bad\s.*\sfailed", out), out
    assert re.search(r"after\s.*\supstream_failed", out), out
    assert re.search(r"DAG run failing_dag \S+: failed", out), out
    assert "bad: RuntimeError: boom on purpose" in out
    assert "Task logs are under" in out
    assert [r["state"] for r in invoke_json(runner, "dags", "list-runs", "failing_dag")] == ["failed"]


MAPPED_DAG = """
from datetime import datetime
from slipstream import dag, task

@dag(dag_id="wide", start_date=datetime(2024, 1, 1), schedule=None)
def build():
    @task
    def items():
        return list(range(20))

    @task
    def square(x):
        return x * x

    @task
    def total(values):
        return sum(values)

    total(square.expand(x=items()))

build()
"""


def test_dags_test_shows_a_mapped_task_with_many_instances_as_counts(runner, dags_dir):
    (dags_dir / "wide.py").write_text(MAPPED_DAG)
    out = invoke(runner, "dags", "test", "wide").stdout
    assert re.search(r"square \[20 mapped\]\s.*20 success", out), out
    assert out.index("items") < out.index("square") < out.index("total"), out  # in the DAG's order
    assert not re.search(r"square \[\d+\]\s", out), out  # no line per instance


def test_dags_test_of_an_unknown_dag(runner, seeded):
    assert "DAG 'nope' not found" in invoke(runner, "dags", "test", "nope", code=1).stderr


def test_dags_test_runs_a_paused_dag_as_airflow_does(runner, seeded):
    invoke(runner, "dags", "list")
    invoke(runner, "dags", "pause", "parallel_dependencies")
    result = invoke(runner, "dags", "test", "parallel_dependencies", "--timeout", "30")
    assert "success" in result.output
    assert [r["state"] for r in invoke_json(runner, "dags", "list-runs", "parallel_dependencies")] == ["success"]


def test_dags_test_leaves_other_runs_alone(runner, seeded):
    invoke(runner, "dags", "trigger", "parallel_dependencies", "-r", "waiting_for_the_scheduler")
    invoke(runner, "dags", "test", "parallel_dependencies")
    states = {r["run_id"]: r["state"] for r in invoke_json(runner, "dags", "list-runs", "parallel_dependencies")}
    assert states["waiting_for_the_scheduler"] == "queued"


PARAMS_DAG = '''
from datetime import datetime
from airflow import DAG
from airflow.models.param import Param
from airflow.operators.bash import BashOperator

with DAG(dag_id="with_params", start_date=datetime(2024, 1, 1), schedule=None,
         params={"mode": Param("daily", enum=["daily", "custom"]), "count": Param(1, type="integer")}) as dag:
    BashOperator(task_id="say", bash_command="echo {{ params.mode }}", task_display_name='Say "hello" \\\\ bye')
'''


def test_trigger_checks_params_before_creating_a_run(runner, dags_dir):
    (dags_dir / "with_params.py").write_text(PARAMS_DAG)
    result = invoke(runner, "dags", "trigger", "with_params", "-c", '{"mode": "weekly"}', code=1)
    assert "mode" in result.stderr and "weekly" in result.stderr
    assert no_traceback(result.output)
    result = invoke(runner, "dags", "trigger", "with_params", "-c", '{"count": "ten"}', code=1)
    assert "count" in result.stderr
    assert invoke_json(runner, "dags", "list-runs", "with_params") == []
    created = invoke_json(runner, "dags", "trigger", "with_params", "-c", '{"mode": "custom", "count": 3}')
    assert created[0]["conf"] == {"mode": "custom", "count": 3}


def test_show_quotes_labels(runner, dags_dir):
    (dags_dir / "with_params.py").write_text(PARAMS_DAG)
    dot = invoke(runner, "dags", "show", "with_params").stdout
    assert '"say" [label="Say \\"hello\\" \\\\ bye", shape=box];' in dot, dot


SETUP_TEARDOWN_DAG = """
from datetime import datetime
from airflow.sdk import DAG
from airflow.providers.standard.operators.empty import EmptyOperator

with DAG("with_teardown", start_date=datetime(2024, 1, 1), schedule=None):
    s = EmptyOperator(task_id="create").as_setup()
    t = EmptyOperator(task_id="delete").as_teardown(setups=s, on_failure_fail_dagrun=True)
    s >> EmptyOperator(task_id="work") >> t
"""


def test_show_marks_setups_and_teardowns(runner, dags_dir):
    (dags_dir / "with_teardown.py").write_text(SETUP_TEARDOWN_DAG)
    dot = invoke(runner, "dags", "show", "with_teardown").stdout
    assert '"create" [label="create (setup)", shape=box];' in dot
    assert '"delete" [label="delete (teardown, fails the run)", shape=box];' in dot
    assert '"work" [label="work", shape=box];' in dot
    assert '"create" -> "delete" [style=dashed];' in dot
    assert '"create" -> "work";' in dot


def test_a_dag_id_in_two_files_is_an_import_error_of_the_second(runner, dags_dir):
    """As ``airflow dags list-import-errors`` reports it; ``dags test`` runs the first file's DAG."""
    source = (
        "from airflow.sdk import DAG\nfrom airflow.operators.bash import BashOperator\n"
        "with DAG('twice', schedule=None):\n    BashOperator(task_id='{task}', bash_command='echo {task}')\n"
    )
    (dags_dir / "a_twice.py").write_text(source.format(task="from_a"))
    (dags_dir / "b_twice.py").write_text(source.format(task="from_b"))
    errors = invoke_json(runner, "dags", "list-import-errors")
    assert [(e["filepath"], e["error"]) for e in errors] == [(
        str(dags_dir / "b_twice.py"),
        f"AirflowDagDuplicatedIdException: Ignoring DAG twice from {dags_dir / 'b_twice.py'} "
        f"- also found in {dags_dir / 'a_twice.py'}",
    )]
    assert [(d["dag_id"], d["fileloc"]) for d in invoke_json(runner, "dags", "list")] == [
        ("twice", str(dags_dir / "a_twice.py"))
    ]
    invoke(runner, "dags", "test", "twice")
    (dag_run,) = invoke_json(runner, "dags", "list-runs", "twice")
    states = invoke_json(runner, "tasks", "states-for-dag-run", "twice", dag_run["run_id"])
    assert [(s["task_id"], s["state"]) for s in states] == [("from_a", "success")]


def test_a_run_before_a_tasks_start_date_has_no_instance_of_it(runner, dags_dir):
    """As Airflow creates a run's task instances: none for a task whose start_date is after the
    run's logical date; a run with none at all succeeds."""
    (dags_dir / "late_start.py").write_text(
        "from datetime import datetime\nfrom airflow.sdk import DAG\n"
        "from airflow.providers.standard.operators.bash import BashOperator\n"
        "with DAG('late_start', schedule=None, start_date=datetime(2024, 1, 1)):\n"
        "    early = BashOperator(task_id='early', bash_command='echo early')\n"
        "    late = BashOperator(task_id='late', bash_command='echo late', start_date=datetime(2024, 6, 1))\n"
        "    early >> late\n"
        "with DAG('not_yet', schedule=None, start_date=datetime(2030, 1, 1)):\n"
        "    BashOperator(task_id='only', bash_command='echo only')\n"
    )
    invoke(runner, "dags", "test", "late_start", "2024-03-01")
    (run,) = invoke_json(runner, "dags", "list-runs", "late_start")
    states = invoke_json(runner, "tasks", "states-for-dag-run", "late_start", run["run_id"])
    assert [(s["task_id"], s["state"]) for s in states] == [("early", "success")]
    invoke(runner, "dags", "test", "late_start", "2024-07-01")
    invoke(runner, "dags", "test", "not_yet", "2024-03-01")
    (run,) = invoke_json(runner, "dags", "list-runs", "not_yet")
    assert run["state"] == "success"
    assert invoke_json(runner, "tasks", "states-for-dag-run", "not_yet", run["run_id"]) == []
    late_runs = invoke_json(runner, "dags", "list-runs", "late_start")
    july = next(r for r in late_runs if r["logical_date"].startswith("2024-07-01"))
    states = invoke_json(runner, "tasks", "states-for-dag-run", "late_start", july["run_id"])
    assert sorted((s["task_id"], s["state"]) for s in states) == [("early", "success"), ("late", "success")]


# -- Airflow's asset watchers and access control: kept, warned about, and the DAGs run --------

WATCHED_ASSETS_DAG = """
from airflow.providers.standard.triggers.file import DirectoryFileDeleteTrigger, FileDeleteTrigger
from airflow.sdk import DAG, Asset, AssetWatcher, task

landing = Asset("landing_file", watchers=[
    AssetWatcher(name="landing_watch", trigger=FileDeleteTrigger(filepath="/tmp/never-there/landing"))])
flags = Asset("flags_dir", watchers=[AssetWatcher(
    name="flag_watch", trigger=DirectoryFileDeleteTrigger(directory="/tmp/never-there", filename="go.flag"))])

with DAG(dag_id="watched_assets", schedule=[landing, flags], catchup=False):
    @task
    def greet():
        return "hello"

    greet()
"""

TEAM_ASSET_DAGS = """
from datetime import datetime

from airflow.providers.standard.operators.bash import BashOperator
from airflow.sdk import DAG, Asset, AssetAccessControl

report = Asset(name="team_report", uri="s3://lake/team/report.csv",
               access_control=AssetAccessControl(producer_teams=["sales"], allow_global=False))

with DAG(dag_id="team_producer", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BashOperator(task_id="produce", outlets=[report], bash_command="echo producing")

with DAG(dag_id="team_consumer", start_date=datetime(2024, 1, 1), schedule=[report], catchup=False):
    BashOperator(task_id="consume", bash_command="echo consuming")
"""


def test_watchers_and_access_control_load_with_a_warning_and_the_dags_run(runner, dags_dir):
    from slipstream.dagfiles.loader import load_dag_file
    from slipstream.sdk.assets import AssetArgumentWarning

    (dags_dir / "watched.py").write_text(WATCHED_ASSETS_DAG)
    (dags_dir / "teams.py").write_text(TEAM_ASSET_DAGS)
    with pytest.warns(AssetArgumentWarning, match="will never fire in Slipstream") as caught:
        watched = load_dag_file(dags_dir / "watched.py")
    assert [re.search(r"watcher\(s\) '(\w+)'", str(w.message))[1] for w in caught] == ["landing_watch", "flag_watch"]
    with pytest.warns(AssetArgumentWarning, match="access_control has no effect in Slipstream"):
        teams = load_dag_file(dags_dir / "teams.py")
    assert (watched.errors, teams.errors) == ([], [])
    assert [dag.dag_id for dag in watched.dags + teams.dags] == ["watched_assets", "team_producer", "team_consumer"]
    assert invoke(runner, "dags", "list-import-errors", "-o", "json").stdout.strip() in ("[]", "")

    for dag_id, task_id in (("watched_assets", "greet"), ("team_producer", "produce"), ("team_consumer", "consume")):
        out = invoke(runner, "dags", "test", dag_id).stdout
        assert re.search(rf"{task_id}\s.*\ssuccess\s", out), out
        assert re.search(rf"DAG run {dag_id} \S+: success", out), out


# -- where the DAGs come from: the store, or a parse here --------------------------------------

TWO_TASKS = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="{dag_id}", start_date=datetime(2024, 1, 1), schedule=None):
    BashOperator(task_id="first", bash_command="echo one"){more}
'''
HANGS = "# a dag file that never finishes loading\nimport time\ntime.sleep(10**6)\n"


def test_commands_read_what_was_recorded_and_parse_only_with_local(runner, dags_dir, monkeypatch):
    monkeypatch.setenv("SLIPSTREAM__CORE__DAGBAG_IMPORT_TIMEOUT", "2")
    (dags_dir / "kept.py").write_text(TWO_TASKS.format(dag_id="kept", more=""))
    # the folder was never recorded: the first command parses it here
    assert [d["dag_id"] for d in invoke_json(runner, "dags", "list")] == ["kept"]
    (dags_dir / "hangs.py").write_text(HANGS)
    (dags_dir / "added.py").write_text(TWO_TASKS.format(dag_id="added", more=""))
    # recorded since: nothing is parsed, the hanging file costs nothing and is not seen yet
    assert invoke_json(runner, "dags", "list-import-errors") == []
    assert [d["dag_id"] for d in invoke_json(runner, "dags", "list")] == ["kept"]
    invoke(runner, "dags", "show", "added", code=1)
    errors = invoke_json(runner, "dags", "list-import-errors", "--local")
    assert [(Path(e["filepath"]).name, e["error"].split(":")[0]) for e in errors] == [("hangs.py", "DagFileTimeout")]
    assert [d["dag_id"] for d in invoke_json(runner, "dags", "list")] == ["added", "kept"]


def test_dags_test_parses_the_file_of_its_dag_only(runner, dags_dir, monkeypatch):
    (dags_dir / "kept.py").write_text(TWO_TASKS.format(dag_id="kept", more=""))
    (dags_dir / "other.py").write_text(TWO_TASKS.format(dag_id="other", more=""))
    invoke(runner, "dags", "list")
    more = '\n    BashOperator(task_id="second", bash_command="echo two")'
    (dags_dir / "kept.py").write_text(TWO_TASKS.format(dag_id="kept", more=more))
    (dags_dir / "other.py").write_text("raise ValueError('not parsed by dags test of another DAG')\n")
    out = invoke(runner, "dags", "test", "kept").stdout
    assert re.search(r"second\s.*\ssuccess", out), out
    assert invoke_json(runner, "dags", "list-import-errors") == []
    assert [t["task_id"] for t in invoke_json(runner, "tasks", "list", "kept")] == ["first", "second"]
    # a DAG not recorded yet: its file is found in the whole folder
    (dags_dir / "new.py").write_text(TWO_TASKS.format(dag_id="new", more=""))
    out = invoke(runner, "dags", "test", "new").stdout
    assert re.search(r"first\s.*\ssuccess", out), out
