"""Airflow 3 authoring names used by a DAG file that really runs (``slipstream dags test``)."""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

SURFACE_DAG = '''
import json
from datetime import datetime

from airflow.sdk import (
    DAG, BaseAsyncOperator, BaseNotifier, BaseXCom, Context, DagRunState, Label, ObjectStoragePath,
    TaskInstance, TaskInstanceState, WeightRule, chain_linear, conf, get_parsing_context, macros, task,
)
from airflow.models import DagRun

OUT = ObjectStoragePath("file://{out}")


class Recorder(BaseNotifier):
    template_fields = ("message",)

    def __init__(self, message):
        super().__init__()
        self.message = message

    def notify(self, context):
        (OUT / "notified.txt").open("a").write(self.message + "\\n")


class Sleeper(BaseAsyncOperator):
    async def aexecute(self, context):
        import asyncio

        await asyncio.sleep(0.01)
        return "slept " + context["ds"]


with DAG(
    "surface", start_date=datetime(2024, 1, 1), schedule=None,
    on_success_callback=Recorder("dag {{{{ dag.dag_id }}}} done"),
) as dag:

    @task(on_success_callback=[Recorder("task {{{{ ti.task_id }}}} of {{{{ run_id }}}} ok")], weight_rule=WeightRule.ABSOLUTE)
    def inspect(ti: TaskInstance, dag_run: DagRun, **context: Context):
        OUT.mkdir(parents=True, exist_ok=True)
        BaseXCom.set("extra", {{"n": 1}}, dag_id=ti.dag_id, task_id=ti.task_id, run_id=ti.run_id, map_index=ti.map_index)
        facts = {{
            "ti_is_task_instance": isinstance(ti, TaskInstance),
            "dag_run_is_dag_run": isinstance(dag_run, DagRun),
            "parsing": list(get_parsing_context()),
            "dags_folder": conf.get("core", "dags_folder"),
            "parallelism": conf.getint("core", "parallelism"),
            "load_examples": conf.getboolean("core", "load_examples"),
            "ds_add": macros.ds_add(context["ds"], 1),
            "running": TaskInstanceState.RUNNING == "running" and DagRunState.SUCCESS == "success",
        }}
        (OUT / "facts.json").write_text(json.dumps(facts))
        return "inspected"

    @task
    def read_back(**context):
        got = BaseXCom.get_one(key="extra", dag_id="surface", task_id="inspect", run_id=context["run_id"])
        return got["n"] + len((OUT / "facts.json").read_text()) * 0

    first, second = inspect(), read_back()
    sleep = Sleeper(task_id="sleep")
    first >> Label("facts written") >> second
    chain_linear(second, [sleep], )
'''


def test_a_dag_using_the_airflow_3_names_runs(home: Path, slipstream) -> None:
    out = home / "out"
    (home / "dags" / "surface.py").write_text(textwrap.dedent(SURFACE_DAG.format(out=out)))
    done = slipstream("dags", "test", "surface")
    assert re.search(r"DAG run surface \S+: success", done.stdout), done.stdout
    facts = json.loads((out / "facts.json").read_text())
    assert facts["ti_is_task_instance"] and facts["dag_run_is_dag_run"] and facts["running"]
    assert facts["dags_folder"] == str(home / "dags")
    assert facts["parallelism"] == 32 and facts["load_examples"] is False
    assert facts["ds_add"] > "2000-01-01"
    # A task process forked from the zygote that imported the file for every task: no single task named.
    assert facts["parsing"] in ([None, None], ["surface", "inspect"])
    notified = (out / "notified.txt").read_text().splitlines()
    assert notified[0].startswith("task inspect of manual__"), notified
    assert notified[-1] == "dag surface done", notified
    assert re.search(r"read_back\s.*\ssuccess", done.stdout) and re.search(r"sleep\s.*\ssuccess", done.stdout)
    rendered = slipstream("tasks", "test", "surface", "sleep").stdout
    assert "slept " in rendered


def test_dags_show_prints_the_edge_labels(home: Path, slipstream) -> None:
    (home / "dags" / "surface.py").write_text(textwrap.dedent(SURFACE_DAG.format(out=home / "out")))
    dot = slipstream("dags", "show", "surface").stdout
    assert '"inspect" -> "read_back" [label="facts written"];' in dot, dot
    assert '"read_back" -> "sleep";' in dot, dot
