"""Parsing in child processes: a file that hangs, exits or crashes harms no other file."""

from __future__ import annotations

import json
import os
import textwrap
import time
from pathlib import Path

import pytest

from slipstream.dagfiles.parsing import FileParser, ParsedFile, parse_files, parse_in_this_process

GOOD = """
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator
with DAG("{dag_id}", schedule="@daily", start_date=datetime(2024, 1, 1)):
    BashOperator(task_id="hello", bash_command="echo hi")
"""


def write(folder: Path, name: str, source: str) -> str:
    path = folder / name
    path.write_text(textwrap.dedent(source))
    return str(path)


def dag_ids(parsed: ParsedFile) -> list[str]:
    return [data["dag_id"] for data, _ in parsed.dags]


def gone_or_zombie(pid: int, wait: float = 3.0) -> bool:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as handle:
                state = handle.read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_bad_files_do_not_affect_good_ones(tmp_path: Path) -> None:
    pids = tmp_path / "pids"
    paths = [
        write(tmp_path, "good_one.py", GOOD.format(dag_id="good_one")),
        write(tmp_path, "hangs.py", f"""
            import os, subprocess, time
            helper = subprocess.Popen(["sleep", "60"])
            with open({str(pids)!r}, "w") as handle:
                handle.write(f"{{os.getpid()}} {{helper.pid}}")
            time.sleep(60)
            """),
        write(tmp_path, "exits.py", """
            import sys
            from airflow import DAG
            dag = DAG("never_seen_exit")
            sys.exit(3)
            """),
        write(tmp_path, "hard_exit.py", """
            import os
            from airflow import DAG
            dag = DAG("never_seen_hard_exit")
            os._exit(1)
            """),
        write(tmp_path, "raises.py", """
            raise RuntimeError("top-level failure")
            """),
        write(tmp_path, "good_two.py", GOOD.format(dag_id="good_two")),
    ]
    started = time.monotonic()
    results = parse_files(paths, timeout=2, processes=len(paths))
    elapsed = time.monotonic() - started

    assert [r.path for r in results] == paths
    good_one, hangs, exits, hard_exit, raises, good_two = results

    assert dag_ids(good_one) == ["good_one"] and good_one.errors == []
    assert dag_ids(good_two) == ["good_two"] and good_two.errors == []

    assert hangs.dags == []
    assert hangs.errors[0]["exception"].startswith("DagFileTimeout: loading the DAG file took longer than 2 s")
    assert hangs.errors[0]["filename"] == paths[1]
    assert hangs.errors[0]["line"] == 6  # time.sleep(60): where it was when it was stopped
    assert 'File "' + paths[1] + '", line 6 in <module>' in hangs.errors[0]["stacktrace"]

    assert exits.dags == []
    assert exits.errors[0]["exception"] == "SystemExit: the DAG file called sys.exit(3) while it was being loaded"
    assert exits.errors[0]["line"] == 5

    assert hard_exit.dags == []
    assert "exit code 1" in hard_exit.errors[0]["exception"]
    assert "os._exit()" in hard_exit.errors[0]["exception"]

    assert raises.dags == []
    assert raises.errors[0]["exception"] == "RuntimeError: top-level failure"
    assert raises.errors[0]["line"] == 2

    assert elapsed < 10
    # the hanging file and the process it started were both stopped
    parser_child, helper = (int(p) for p in pids.read_text().split())
    assert gone_or_zombie(parser_child)
    assert gone_or_zombie(helper)


def test_parsed_dags_are_serialized_with_hashes(tmp_path: Path, seed_dags: Path) -> None:
    paths = [
        str(seed_dags / "seed000_parallel_data_processing.py"),
        str(seed_dags / "seed004_parallel_dag.py"),
        write(tmp_path, "two_dags.py", GOOD.format(dag_id="first") + GOOD.format(dag_id="second")),
    ]
    processing, broken, two = parse_files(paths, timeout=10)
    (data, digest), = processing.dags
    assert data["dag_id"] == "parallel_data_processing"
    assert len(data["tasks"]) == 9
    assert len(digest) == 32
    json.dumps(data)  # plain JSON, ready for the store
    assert broken.dags == []
    assert broken.errors[0]["line"] == 31
    assert "Did you mean: 'task_1'?" in broken.errors[0]["exception"]
    assert dag_ids(two) == ["first", "second"]
    assert processing.seconds > 0


def test_file_printing_to_stdout_is_harmless(tmp_path: Path, capfd: pytest.CaptureFixture) -> None:
    path = write(tmp_path, "noisy.py", 'print("noise from a DAG file")\n' + GOOD.format(dag_id="noisy"))
    (parsed,) = parse_files([path], timeout=10)
    assert dag_ids(parsed) == ["noisy"]
    assert "noise from a DAG file" not in capfd.readouterr().out


def test_a_dag_that_cannot_be_stored_as_json_is_an_import_error(tmp_path: Path) -> None:
    path = write(tmp_path, "not_json.py", """
        from datetime import datetime
        from airflow import DAG
        with DAG("not_json", params={"when": datetime(2024, 1, 1)}):
            pass
        with DAG("fine_json"):
            pass
        """)
    parsed = parse_in_this_process(path)
    assert dag_ids(parsed) == ["fine_json"]
    assert len(parsed.errors) == 1
    assert "DAG 'not_json' cannot be stored" in parsed.errors[0]["exception"]
    assert "datetime is not JSON serializable" in parsed.errors[0]["exception"]


def test_a_param_with_none_and_number_keys_loads_as_the_store_keeps_it(tmp_path: Path) -> None:
    """Airflow's example_params_ui_tutorial: ``values_display={None: .., 1: ..}`` (keys JSON sorts as text)."""
    path = write(tmp_path, "mixed_keys.py", """
        from airflow import DAG
        from airflow.sdk import Param
        with DAG("mixed_keys", params={"pick": Param(None, type=["null", "integer"], enum=[None, 1],
                                                      values_display={None: "nothing", 1: "one"})}):
            pass
        """)
    parsed = parse_in_this_process(path)
    assert parsed.errors == [] and dag_ids(parsed) == ["mixed_keys"]
    (data, digest), = parsed.dags
    assert data["params"]["pick"]["schema"]["values_display"] == {"null": "nothing", "1": "one"}
    assert digest == parse_in_this_process(path).dags[0][1]


def test_an_invalid_schedule_is_an_import_error(tmp_path: Path) -> None:
    path = write(tmp_path, "bad_schedule.py", """
        from airflow import DAG
        dag = DAG("bad_schedule", schedule="every tuesday")
        """)
    parsed = parse_in_this_process(path)
    assert parsed.dags == []
    assert "Invalid cron expression 'every tuesday'" in parsed.errors[0]["exception"]


def test_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.py")
    (parsed,) = parse_files([missing], timeout=10)
    assert parsed.dags == []
    assert parsed.errors[0]["filename"] == missing
    assert parsed.errors[0]["exception"].startswith("FileNotFoundError")
    assert not os.path.exists(missing)


def test_what_a_file_starts_dies_with_its_parse_even_in_a_new_session(tmp_path: Path) -> None:
    """A child in a new session and a daemon (double fork + setsid) are killed when the parse
    ends, for a file that loads as for one that times out."""
    pids = tmp_path / "pids"
    spawn = f"""
        import os, subprocess
        child = subprocess.Popen(["sleep", "60"], start_new_session=True)
        reader, writer = os.pipe()
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                os.write(writer, str(os.getpid()).encode())
                os.execvp("sleep", ["sleep", "61"])
            os._exit(0)
        os.close(writer)
        daemon = os.read(reader, 20).decode()
        with open({str(pids)!r} + os.path.basename(__file__), "w") as handle:
            handle.write(f"{{child.pid}} {{daemon}}")
        """
    spawn = textwrap.dedent(spawn)
    loads = write(tmp_path, "loads.py", spawn + GOOD.format(dag_id="loads"))
    hangs = write(tmp_path, "hangs.py", spawn + "\nimport time\ntime.sleep(60)\n")
    loaded, hung = parse_files([loads, hangs], timeout=2, processes=2)
    assert dag_ids(loaded) == ["loads"]
    assert hung.errors[0]["exception"].startswith("DagFileTimeout")
    for name in ("loads.py", "hangs.py"):
        for pid in (tmp_path / f"pids{name}").read_text().split():
            assert gone_or_zombie(int(pid), wait=0.5), f"{pid} started by {name} is still running"


def test_input_reads_nothing_and_memory_is_limited(tmp_path: Path) -> None:
    reads = write(tmp_path, "reads.py", "name = input()\n")
    hoards = write(tmp_path, "hoards.py", "# a dag\nhoard = bytearray(2 * 1024**3)\n")
    read, hoarded = parse_files([reads, hoards], timeout=10, memory_limit=1024)
    assert read.errors[0]["exception"] == "EOFError: EOF when reading a line"
    assert read.errors[0]["line"] == 1
    assert hoarded.errors[0]["exception"].startswith("MemoryError (the parser gives a DAG file at most 1024 MiB")
    assert hoarded.errors[0]["line"] == 2


def test_files_that_only_wait_do_not_hold_every_parsing_process(tmp_path: Path) -> None:
    """Six files that sleep take the two parsing processes first; the good file after them is
    still parsed (and handed over) before any of them times out."""
    hanging = [write(tmp_path, f"hangs_{i}.py", "import time\ntime.sleep(60)\n") for i in range(6)]
    good = write(tmp_path, "good.py", GOOD.format(dag_id="good"))
    order: list[str] = []
    parser = FileParser(timeout=15, data_intervals=(False, False), processes=2)
    try:
        parser.parse([*hanging, good], on_result=lambda parsed: order.append(parsed.path))
    finally:
        parser.close()
    assert order[0] == good
    assert sorted(order[1:]) == hanging
