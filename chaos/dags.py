"""The chaos DAG set: a few DAG files whose shapes add up to the number of tasks asked for.

Five DAGs, written as plain Airflow DAG files (the product runs them unchanged):

- ``chaos_fanout``: one task, a wide fan-out, one join;
- ``chaos_chains``: long parallel chains;
- ``chaos_mapped``: a task returns a list, a mapped task expands over it, one task collects;
- ``chaos_layers``: layers where each task waits for two of the layer above; about a third of
  them fail their first try on purpose (``retries`` at work besides the kills);
- ``chaos_diamonds``: one task, many ``a -> b -> c`` strands, one join.

Every task body sleeps for its seeded duration, then, as the very last thing it does, appends
``dag_id run_id task_id map_index try_number`` to the lines file with one ``write`` on an
``O_APPEND`` descriptor: a line means that body finished. Before sleeping it writes
``started/<pid>`` with the time its sleep ends, so the harness kills a task process only while
its body still has a while to go (a kill just after the line would make a duplicate that no
orchestrator could avoid).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

RETRIES = 8  # a zygote kill takes every try it forked; an unlucky task may be hit several times
RETRY_DELAY_SECONDS = 1
RUN_ID = "chaos"


@dataclass(frozen=True)
class TaskKey:
    dag_id: str
    task_id: str
    map_index: int = -1

    def line_key(self) -> tuple[str, str, str, int]:
        return (self.dag_id, RUN_ID, self.task_id, self.map_index)


@dataclass
class DagSet:
    """The DAG files' text by file name, and every task instance a complete run must have."""

    files: dict[str, str] = field(default_factory=dict)
    expected: list[TaskKey] = field(default_factory=list)

    @property
    def dag_ids(self) -> list[str]:
        return sorted({key.dag_id for key in self.expected})


HEADER = '''"""{dag_id}: written by chaos/dags.py (seed {seed}); see chaos/README.md."""
import os
import signal
import time
from datetime import datetime, timedelta

from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG, get_current_context, task

LINES = {lines!r}
STARTED = {started!r}
SECONDS = {seconds!r}
FLAKY = {flaky!r}


def _say_sigterm(signum, frame):
    # A trace in the try's log (fd 2) of who died by SIGTERM, then the default death.
    os.write(2, f"chaos: SIGTERM at {{time.time():.3f}}\\n".encode())
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def body(seconds, flaky=False):
    signal.signal(signal.SIGTERM, _say_sigterm)
    ti = get_current_context()["ti"]
    with open(os.path.join(STARTED, str(os.getpid())), "w") as marker:
        marker.write(repr(time.time() + seconds))
    time.sleep(seconds)
    if flaky and ti.try_number == 1:
        raise RuntimeError("fails its first try on purpose")
    line = f"{{ti.dag_id}} {{ti.run_id}} {{ti.task_id}} {{ti.map_index}} {{ti.try_number}}\\n"
    fd = os.open(LINES, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)


def work(task_id):
    return PythonOperator(
        task_id=task_id, python_callable=body, op_kwargs={{"seconds": SECONDS[task_id], "flaky": task_id in FLAKY}}
    )


dag = DAG(
    {dag_id!r},
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_tasks={max_active_tasks},
    default_args={{"retries": {retries}, "retry_delay": timedelta(seconds={retry_delay})}},
)
with dag:
'''


def _per_layer(share: int) -> int:
    return 15 if share >= 45 else 3


def _shares(total: int) -> dict[str, int]:
    """How many tasks each DAG gets: about 30/20/20/15/15 percent, at least a small shape each."""
    if total < 40:
        raise ValueError(f"--tasks {total}: the DAG set needs at least 40 tasks (five DAGs of a few tasks each)")
    shares = {"chains": total * 20 // 100, "mapped": total * 20 // 100, "layers": total * 15 // 100,
              "diamonds": total * 15 // 100}
    shares["layers"] -= shares["layers"] % _per_layer(shares["layers"])
    shares["diamonds"] = 2 + (shares["diamonds"] - 2) // 3 * 3
    shares["fanout"] = total - sum(shares.values())
    return shares


class _Writer:
    def __init__(self, seed: int, dag_id: str, lines: Path, started: Path, body_seconds: tuple[float, float],
                 max_active_tasks: int) -> None:
        self.rng = random.Random(f"{seed}:{dag_id}")
        self.seed, self.dag_id = seed, dag_id
        self.lines, self.started = lines, started
        self.body_seconds = body_seconds
        self.max_active_tasks = max_active_tasks
        self.seconds: dict[str, float | list[float]] = {}
        self.flaky: set[str] = set()
        self.statements: list[str] = []
        self.keys: list[TaskKey] = []

    def task(self, task_id: str, flaky: bool = False) -> str:
        self.seconds[task_id] = round(self.rng.uniform(*self.body_seconds), 3)
        if flaky:
            self.flaky.add(task_id)
        self.keys.append(TaskKey(self.dag_id, task_id))
        variable = "t_" + task_id.replace("-", "_")
        self.statements.append(f"{variable} = work({task_id!r})")
        return variable

    def edge(self, upstream: str, downstream: str) -> None:
        self.statements.append(f"{upstream} >> {downstream}")

    def text(self, extra: str = "") -> str:
        head = HEADER.format(
            dag_id=self.dag_id, seed=self.seed, lines=str(self.lines), started=str(self.started),
            seconds=self.seconds, flaky=sorted(self.flaky), max_active_tasks=self.max_active_tasks,
            retries=RETRIES, retry_delay=RETRY_DELAY_SECONDS,
        )
        return head + "".join(f"    {s}\n" for s in self.statements) + extra


def write_dag_set(
    folder: Path, lines: Path, started: Path, *, total: int, seed: int,
    body_seconds: tuple[float, float] = (0.1, 1.0), max_active_tasks: int = 16,
) -> DagSet:
    """Write the DAG files into ``folder`` and return what a complete run of each must leave."""
    shares = _shares(total)
    dag_set = DagSet()

    def writer(dag_id: str) -> _Writer:
        return _Writer(seed, dag_id, lines, started, body_seconds, max_active_tasks)

    fanout = writer("chaos_fanout")
    start, join = fanout.task("start"), fanout.task("join")
    for i in range(shares["fanout"] - 2):
        middle = fanout.task(f"fan_{i:04d}")
        fanout.edge(start, middle)
        fanout.edge(middle, join)
    dag_set.files["chaos_fanout.py"] = fanout.text()
    dag_set.expected += fanout.keys

    chains = writer("chaos_chains")
    count = 4 if shares["chains"] >= 40 else 2
    length = shares["chains"] // count
    extra = shares["chains"] - count * length
    for c in range(count):
        previous = None
        for i in range(length + (1 if c < extra else 0)):
            current = chains.task(f"chain_{c}_{i:03d}")
            if previous is not None:
                chains.edge(previous, current)
            previous = current
    dag_set.files["chaos_chains.py"] = chains.text()
    dag_set.expected += chains.keys

    mapped = writer("chaos_mapped")
    width = shares["mapped"] - 2
    mapped.task("collect")
    mapped.keys = [TaskKey("chaos_mapped", "items"), *mapped.keys]
    item_seconds = [round(mapped.rng.uniform(*body_seconds), 3) for _ in range(width)]
    mapped.keys += [TaskKey("chaos_mapped", "item", i) for i in range(width)]
    mapped_block = (
        f"    MAPPED_SECONDS = {item_seconds!r}\n\n"
        "    @task(task_id='items')\n"
        "    def items():\n"
        f"        body({round(mapped.rng.uniform(*body_seconds), 3)})\n"
        f"        return list(range({width}))\n\n"
        "    @task(task_id='item')\n"
        "    def item(i):\n"
        "        body(MAPPED_SECONDS[i])\n\n"
        "    item.expand(i=items()) >> t_collect\n"
    )
    dag_set.files["chaos_mapped.py"] = mapped.text(mapped_block)
    dag_set.expected += mapped.keys

    layers = writer("chaos_layers")
    per_layer = _per_layer(shares["layers"])
    depth = shares["layers"] // per_layer
    above: list[str] = []
    for layer in range(depth):
        current = [
            layers.task(f"layer_{layer:02d}_{i:02d}", flaky=layers.rng.random() < 0.33) for i in range(per_layer)
        ]
        for variable in current:
            for upstream in layers.rng.sample(above, min(2, len(above))):
                layers.edge(upstream, variable)
        above = current
    dag_set.files["chaos_layers.py"] = layers.text()
    dag_set.expected += layers.keys

    diamonds = writer("chaos_diamonds")
    top, bottom = diamonds.task("top"), diamonds.task("bottom")
    for strand in range((shares["diamonds"] - 2) // 3):
        a, b, c = (diamonds.task(f"strand_{strand:03d}_{step}") for step in "abc")
        for upstream, downstream in ((top, a), (a, b), (b, c), (c, bottom)):
            diamonds.edge(upstream, downstream)
    dag_set.files["chaos_diamonds.py"] = diamonds.text()
    dag_set.expected += diamonds.keys

    folder.mkdir(parents=True, exist_ok=True)
    for name, text in dag_set.files.items():
        (folder / name).write_text(text)
    if len(dag_set.expected) != total:
        raise AssertionError(f"the DAG set has {len(dag_set.expected)} tasks, not {total}")
    return dag_set
