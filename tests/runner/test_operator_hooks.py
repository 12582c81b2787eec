"""Around execute, through real task runs: templates rendered first, then pre_execute (the
argument and the method), on_execute_callback, execute, post_execute with the result, then
the success callbacks (a list); and ``self.render_template`` inside a task."""

from __future__ import annotations

import json

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import xcoms

HOOKS = """
import json
from datetime import datetime
from airflow.sdk import DAG, BaseOperator, task

OUT = {out!r}

def note(*what):
    with open(OUT, "a") as handle:
        handle.write(json.dumps(list(what)) + "\\n")

class Greeter(BaseOperator):
    template_fields = ("who",)

    def __init__(self, *, who, **kwargs):
        super().__init__(**kwargs)
        self.who = who

    def pre_execute(self, context):  # no super() call: the pre_execute argument runs all the same
        note("pre_execute method", self.who)

    def execute(self, context):
        note("execute", self.who)
        return f"hello {{self.who}}"

    def post_execute(self, context, result=None):
        note("post_execute method", result)

with DAG("hooks", start_date=datetime(2024, 1, 1), schedule=None, params={{"team": "sales"}}):
    Greeter(
        task_id="greet", who="{{{{ params.team }}}}",
        pre_execute=lambda context: note("pre_execute argument", context["task"].who),
        post_execute=lambda context, result: note("post_execute argument", result),
        on_execute_callback=lambda context: note("on_execute_callback"),
        on_success_callback=[lambda context: note("success 1"), lambda context: note("success 2")],
    )

    @task
    def rendered(**context):
        return context["task"].render_template("run {{{{ run_id }}}} for {{{{ params.team }}}}", context)

    rendered()
"""


def test_hooks_run_in_airflows_order_and_render_template_works(settings, db, write_dag, parse, tmp_path):
    out = tmp_path / "hooks.jsonl"
    write_dag("hooks.py", HOOKS.format(out=str(out)))
    parse()
    run = run_dag_to_end(settings, db, "hooks", timeout=60)
    assert run.state == "success"
    calls = [json.loads(line) for line in out.read_text().splitlines()]
    assert calls == [
        ["pre_execute argument", "sales"],
        ["pre_execute method", "sales"],
        ["on_execute_callback"],
        ["execute", "sales"],
        ["post_execute argument", "hello sales"],
        ["post_execute method", "hello sales"],
        ["success 1"],
        ["success 2"],
    ]
    with db.read() as session:
        value = xcoms.pull(session, dag_id="hooks", run_id=run.run_id, task_id="rendered", key="return_value")
    assert value == f"run {run.run_id} for sales"
