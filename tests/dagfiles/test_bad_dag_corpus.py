"""A folder of DAG files that misbehave in every way we know, beside good ones, under the real
``slipstream scheduler``: each bad file gives its import error (with its line where there is
one), the good DAGs are scheduled without waiting for the bad files, and no process a DAG file
started outlives its parse, nor anything the scheduler's stop.

The scheduler runs once for the module (it costs a parse timeout); each test checks one part.
Every process of the run carries an environment marker, so the test finds them in /proc.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

VENV_SCRIPT = Path(sys.executable).parent / "slipstream"
SLIPSTREAM = [str(VENV_SCRIPT)] if VENV_SCRIPT.exists() else [sys.executable, "-m", "slipstream.cli.main"]
TIMEOUT = 20  # [core] dagbag_import_timeout of the run: the hanging files end with it
WAIT = 120.0

GOOD = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="{dag_id}", start_date=datetime(2024, 1, 1), schedule="@once"):
    BashOperator(task_id="hello", bash_command="echo hello")
'''

SPAWNS = '''
import os
import subprocess
from datetime import datetime
from airflow import DAG
from airflow.operators.empty import EmptyOperator

# a child in a new session, and a daemon by double fork: both must die with the parse
subprocess.Popen(["sleep", "1000"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execvp("sleep", ["sleep", "1001"])
    os._exit(0)

with DAG(dag_id="spawns_children", start_date=datetime(2024, 1, 1), schedule=None):
    EmptyOperator(task_id="a")
'''

BIG = '''
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

with DAG(dag_id="ten_thousand_tasks", start_date=datetime(2024, 1, 1), schedule=None):
    previous = None
    for i in range(10_000):
        task = BashOperator(task_id=f"task_{i}", bash_command="echo {{ ds }}")
        if previous is not None:
            previous >> task
        previous = task
'''

# file name -> (source, the start of its import error or None for a file that loads, its line)
CORPUS: dict[str, tuple[str | bytes, str | None, int | None]] = {
    "a_syntax_error.py": ("# dag\nfrom airflow import DAG\n\ndef broken(:\n    pass\n", "SyntaxError", 4),
    "b_missing_module.py": ("# dag\nimport no_such_module_for_slipstream\n", "ModuleNotFoundError", 2),
    "c_hangs.py": (
        "# dag\nimport subprocess\nimport time\nsubprocess.Popen(['sleep', '1002'], start_new_session=True)\n"
        "time.sleep(10**6)\n",
        "DagFileTimeout", 5,
    ),
    "d_sys_exit.py": ("# dag\nimport sys\n\nsys.exit(3)\n", "SystemExit", 4),
    "e_os_exit.py": ("# dag\nimport os\n\nos._exit(1)\n", "The DAG file stopped the parser process", None),
    "f_two_gigabytes.py": ("# dag\nhoard = bytearray(2 * 1024**3)\n", "MemoryError", 2),
    "g_spawns_children.py": (SPAWNS, None, None),
    "h_reads_stdin.py": (
        "# dag\nfrom datetime import datetime\nfrom airflow import DAG\n\nname = input()\n"
        "DAG(dag_id=f'from_stdin_{name}', start_date=datetime(2024, 1, 1), schedule=None)\n",
        "EOFError", 5,
    ),
    "i_not_utf8.py": (b"# dag\nname = '\xff\xfe'\n", "SyntaxError", 2),
    "j_ten_thousand_tasks.py": (BIG, None, None),
    "k_cycle.py": (
        "from datetime import datetime\nfrom airflow import DAG\nfrom airflow.operators.empty import EmptyOperator\n\n"
        "with DAG(dag_id='cycle', start_date=datetime(2024, 1, 1), schedule=None):\n"
        "    a = EmptyOperator(task_id='a')\n    b = EmptyOperator(task_id='b')\n    a >> b >> a\n",
        "slipstream.sdk.exceptions.DagCycleError: Cycle detected in DAG 'cycle': a -> b -> a", None,
    ),
    "m_good_first.py": (GOOD.format(dag_id="good_first"), None, None),
    "z_good_last.py": (GOOD.format(dag_id="good_last"), None, None),
    "zz_duplicate_of_good_first.py": (GOOD.format(dag_id="good_first"), "AirflowDagDuplicatedIdException", None),
}
# Refused by the validation of ids (issue 10, point 6): see test_a_bad_dag_id_is_an_import_error.
BAD_IDS = {"l_bad_dag_id_slash.py": "../x", "l_bad_dag_id_dots.py": ".."}
BAD_ID = (
    "from datetime import datetime\nfrom airflow import DAG\n\n"
    "DAG(dag_id={dag_id!r}, start_date=datetime(2024, 1, 1), schedule=None)\n"
)


def marked_processes(marker: str) -> dict[int, str]:
    """pid -> command line of every process whose environment holds ``marker``."""
    found: dict[int, str] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if marker.encode() not in handle.read():
                    continue
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                found[int(entry)] = handle.read().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
    return found


@dataclass
class Run:
    home: Path
    marker: str
    started: datetime
    output: str = ""
    exit_code: int | None = None
    scheduled: dict[str, float] = field(default_factory=dict)  # good dag_id -> seconds from start to its run
    errors: list[dict[str, Any]] = field(default_factory=list)
    dags: list[str] = field(default_factory=list)
    sleepers_after_parse: dict[int, str] = field(default_factory=dict)
    left_after_stop: dict[int, str] = field(default_factory=dict)


def _query(database: Path, sql: str) -> list[tuple[Any, ...]]:
    try:
        connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5)
    except sqlite3.OperationalError:
        return []
    try:
        return connection.execute(sql).fetchall()
    except sqlite3.OperationalError:
        return []  # not migrated yet
    finally:
        connection.close()


def _wait(what: str, check: Any, proc: subprocess.Popen[bytes]) -> Any:
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        if proc.poll() is not None:
            raise AssertionError(f"the scheduler ended (exit {proc.returncode}) while waiting for {what}")
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {WAIT} s")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    home = tmp_path_factory.mktemp("corpus") / "home"
    dags = home / "dags"
    dags.mkdir(parents=True)
    for name, (source, _, _) in CORPUS.items():
        path = dags / name
        if isinstance(source, bytes):
            path.write_bytes(source)
        else:
            path.write_text(source)
    for name, dag_id in BAD_IDS.items():
        (dags / name).write_text(BAD_ID.format(dag_id=dag_id))
    marker = f"SLIPSTREAM_CORPUS_TEST={uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM", "AIRFLOW"))}
    env.update(
        SLIPSTREAM_HOME=str(home), SLIPSTREAM__CORE__LOAD_EXAMPLES="false", PYTHONUNBUFFERED="1",
        SLIPSTREAM__CORE__DAGS_ARE_PAUSED_AT_CREATION="false",
        SLIPSTREAM__CORE__DAGBAG_IMPORT_TIMEOUT=str(TIMEOUT), SLIPSTREAM_CORPUS_TEST=marker.split("=", 1)[1],
    )
    database = home / "slipstream.db"
    started = datetime.now(UTC)
    proc = subprocess.Popen(
        [*SLIPSTREAM, "scheduler"], env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, start_new_session=True,
    )
    result = Run(home=home, marker=marker, started=started)
    try:
        assert proc.stdin is not None
        proc.stdin.write(b"read_the_schedulers_stdin\n")  # what input() in a DAG file must never get
        proc.stdin.flush()
        runs = _wait(
            "the runs of the good DAGs",
            lambda: [
                r for r in _query(database, "SELECT dag_id, start_date FROM dag_run WHERE start_date IS NOT NULL")
                if r[0] in ("good_first", "good_last")
            ] if len(_query(database, "SELECT 1 FROM dag_run WHERE start_date IS NOT NULL")) >= 2 else None,
            proc,
        )
        for dag_id, start_date in runs:
            when = datetime.fromisoformat(str(start_date)).replace(tzinfo=UTC)
            result.scheduled[dag_id] = (when - started).total_seconds()
        files = len(CORPUS) + len(BAD_IDS)
        _wait(
            "every file's result",
            lambda: len(_query(database, "SELECT DISTINCT filename FROM import_error"))
            + len(_query(database, "SELECT DISTINCT fileloc FROM dag WHERE is_active"))
            >= files - 1,  # the duplicate's file has an import error, not a DAG of its own
            proc,
        )
        _wait("the hanging file's timeout", lambda: _query(
            database, "SELECT 1 FROM import_error WHERE exception LIKE 'DagFileTimeout%'"), proc)
        time.sleep(0.5)  # the supervisor kills before it reports; leave a moment for /proc to settle
        result.sleepers_after_parse = {
            pid: line for pid, line in marked_processes(marker).items() if line.startswith("sleep")
        }
        listing = subprocess.run(
            [*SLIPSTREAM, "dags", "list-import-errors", "-o", "json"], env=env, capture_output=True, timeout=WAIT,
            stdin=subprocess.DEVNULL,
        )
        assert listing.returncode == 0, listing.stderr
        result.errors = json.loads(listing.stdout)
        listing = subprocess.run(
            [*SLIPSTREAM, "dags", "list", "-o", "json"], env=env, capture_output=True, timeout=WAIT,
            stdin=subprocess.DEVNULL,
        )
        assert listing.returncode == 0, listing.stderr
        result.dags = sorted(d["dag_id"] for d in json.loads(listing.stdout))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=WAIT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        result.output = out.decode(errors="replace")
        result.exit_code = proc.returncode
        deadline = time.monotonic() + 10
        while (left := marked_processes(marker)) and time.monotonic() < deadline:
            time.sleep(0.1)
        result.left_after_stop = left
        for pid in left:  # leave nothing behind even when the test fails
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    return result


def _errors_by_file(run: Run) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for error in run.errors:
        found.setdefault(Path(error["filepath"]).name, []).append(error)
    return found


@pytest.mark.parametrize("name", [n for n, (_, error, _) in CORPUS.items() if error])
def test_each_bad_file_gives_its_import_error(run: Run, name: str) -> None:
    _, expected, line = CORPUS[name]
    errors = _errors_by_file(run).get(name)
    assert errors, f"no import error for {name}: {run.errors}"
    assert len(errors) == 1, errors
    assert str(expected) in errors[0]["error"], errors[0]
    assert errors[0]["line"] == line, errors[0]
    assert str(run.home / "dags" / name) == errors[0]["filepath"]


def test_the_errors_say_what_to_do(run: Run) -> None:
    errors = {name: found[0]["error"] for name, found in _errors_by_file(run).items()}
    assert "stopped at line 5 (setting [core] dagbag_import_timeout)" in errors["c_hangs.py"]
    assert "[core] dag_file_memory_limit" in errors["f_two_gigabytes.py"]
    assert "sys.exit(3)" in errors["d_sys_exit.py"]
    assert "os._exit()" in errors["e_os_exit.py"]
    assert "also found in" in errors["zz_duplicate_of_good_first.py"]
    assert "m_good_first.py" in errors["zz_duplicate_of_good_first.py"]


def test_good_files_load_and_the_big_one_too(run: Run) -> None:
    good = {"good_first", "good_last", "spawns_children", "ten_thousand_tasks"}
    assert good <= set(run.dags), run.dags
    assert not [d for d in run.dags if d.startswith("from_stdin")], "input() read the scheduler's stdin"
    assert not (set(run.dags) - good - set(BAD_IDS.values())), run.dags
    for name, (_, error, _) in CORPUS.items():
        if error is None:
            assert name not in _errors_by_file(run), _errors_by_file(run)[name]


def test_the_good_dags_are_scheduled_before_the_hanging_file_times_out(run: Run) -> None:
    """The issue asks for 5 s from the start; on a shared machine the bound is the structural one:
    the good DAGs' runs start while the hanging file still holds a parsing process."""
    print(f"good DAGs' runs started at {run.scheduled} s after `slipstream scheduler` started")
    assert set(run.scheduled) == {"good_first", "good_last"}
    assert max(run.scheduled.values()) < TIMEOUT, run.scheduled


def test_no_process_a_dag_file_started_survives_its_parse(run: Run) -> None:
    assert run.sleepers_after_parse == {}


def test_nothing_is_left_after_the_scheduler_stops(run: Run) -> None:
    assert run.exit_code == 0, run.output
    assert run.left_after_stop == {}, run.left_after_stop


@pytest.mark.parametrize("name", sorted(BAD_IDS))
def test_a_bad_dag_id_is_an_import_error(run: Run, name: str) -> None:
    """Needs the validation of ids (issue 10, point 6): an id that validation does not refuse
    yet (``..`` alone, before that change) is skipped, saying so."""
    from slipstream.sdk.dag import DAG

    dag_id = BAD_IDS[name]
    try:
        DAG(dag_id=dag_id, schedule=None)
    except ValueError:
        pass
    else:
        pytest.skip(f"dag_id {dag_id!r} is not refused yet (validation of ids, issue 10 point 6)")
    errors = _errors_by_file(run).get(name)
    assert errors and repr(dag_id) in errors[0]["error"], run.errors
    assert errors[0]["line"] == 4, errors[0]
    assert dag_id not in run.dags


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["stopped", "killed"])
def test_a_parse_in_progress_ends_with_the_scheduler(tmp_path: Path, sig: int) -> None:
    """A file still loading when the scheduler stops (or is killed: its fork server then ends,
    and each parse with it) leaves nothing running, not even what it started in a new session."""
    home = tmp_path / "home"
    (home / "dags").mkdir(parents=True)
    (home / "dags" / "hangs.py").write_text(
        "# dag\nimport subprocess\nimport time\nsubprocess.Popen(['sleep', '1003'], start_new_session=True)\n"
        "time.sleep(10**6)\n"
    )
    marker = f"SLIPSTREAM_CORPUS_TEST={uuid.uuid4().hex}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLIPSTREAM", "AIRFLOW"))}
    env.update(
        SLIPSTREAM_HOME=str(home), SLIPSTREAM__CORE__LOAD_EXAMPLES="false", SLIPSTREAM__CORE__DAGBAG_IMPORT_TIMEOUT="600",
        SLIPSTREAM_CORPUS_TEST=marker.split("=", 1)[1],
    )
    proc = subprocess.Popen(
        [*SLIPSTREAM, "scheduler"], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        def sleeping() -> dict[int, str]:
            return {pid: line for pid, line in marked_processes(marker).items() if line.startswith("sleep")}

        _wait("the DAG file's child", sleeping, proc)
        proc.send_signal(sig)
        proc.wait(timeout=WAIT)
        deadline = time.monotonic() + 15
        while sleeping() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert sleeping() == {}
        if sig == signal.SIGTERM:
            assert proc.returncode == 0
            assert marked_processes(marker) == {}
    finally:
        for pid in marked_processes(marker):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def test_the_console_tells_each_file_as_it_is_recorded(run: Run) -> None:
    lines = run.output.splitlines()
    loaded = next(i for i, line in enumerate(lines) if line.startswith("Loaded DAG good_last (1 tasks)"))
    timed_out = next(i for i, line in enumerate(lines) if "c_hangs.py:5: DagFileTimeout" in line)
    assert loaded < timed_out, run.output
    assert any(line.startswith("Loaded DAG ten_thousand_tasks (10000 tasks)") for line in lines), run.output
