"""Every trigger rule against upstream tasks that really succeed, fail and skip, in one run
through the scheduler and task processes. Expectations are Airflow's, written out here."""

from __future__ import annotations

from slipstream.scheduler.run_to_end import run_dag_to_end
from slipstream.store import task_instances

S, F, K, UF = "success", "failed", "skipped", "upstream_failed"

# upstream combination -> the upstream task ids that make it
COMBOS = {
    "ss": ["ok", "ok2"],
    "sf": ["ok", "bad"],
    "sk": ["ok", "skip"],
    "ff": ["bad", "bad2"],
    "kk": ["skip", "skip2"],
    "fk": ["bad", "skip"],
    "su": ["ok", "upfail"],
    "sfk": ["ok", "bad", "skip"],
}

EXPECTED = {
    "all_success": {"ss": S, "sf": UF, "sk": K, "ff": UF, "kk": K, "fk": UF, "su": UF, "sfk": UF},
    "all_failed": {"ss": K, "sf": K, "sk": K, "ff": S, "kk": K, "fk": K, "su": K, "sfk": K},
    "all_done": dict.fromkeys(COMBOS, S),
    "all_done_min_one_success": {"ss": S, "sf": S, "sk": K, "ff": UF, "kk": K, "fk": K, "su": S, "sfk": K},
    "all_skipped": {"ss": K, "sf": K, "sk": K, "ff": K, "kk": S, "fk": K, "su": K, "sfk": K},
    "one_success": {"ss": S, "sf": S, "sk": S, "ff": UF, "kk": K, "fk": UF, "su": S, "sfk": S},
    "one_failed": {"ss": K, "sf": S, "sk": K, "ff": S, "kk": K, "fk": S, "su": S, "sfk": S},
    "one_done": {"ss": S, "sf": S, "sk": S, "ff": S, "kk": K, "fk": S, "su": S, "sfk": S},
    "none_failed": {"ss": S, "sf": UF, "sk": S, "ff": UF, "kk": S, "fk": UF, "su": UF, "sfk": UF},
    "none_failed_min_one_success": {"ss": S, "sf": UF, "sk": S, "ff": UF, "kk": K, "fk": UF, "su": UF, "sfk": UF},
    "none_skipped": {"ss": S, "sf": S, "sk": K, "ff": S, "kk": K, "fk": K, "su": S, "sfk": K},
    "always": dict.fromkeys(COMBOS, S),
}

DAG_FILE = '''
from datetime import datetime
from slipstream import DAG, PythonOperator, EmptyOperator, AirflowSkipException

def fail():
    raise RuntimeError("this upstream fails on purpose")

def skip():
    raise AirflowSkipException("this upstream skips on purpose")

with DAG("rules", start_date=datetime(2024, 1, 1), schedule=None, max_active_tasks=64) as dag:
    ups = {
        "ok": PythonOperator(task_id="ok", python_callable=lambda: None),
        "ok2": PythonOperator(task_id="ok2", python_callable=lambda: None),
        "bad": PythonOperator(task_id="bad", python_callable=fail),
        "bad2": PythonOperator(task_id="bad2", python_callable=fail),
        "skip": PythonOperator(task_id="skip", python_callable=skip, trigger_rule="all_done"),
        "skip2": PythonOperator(task_id="skip2", python_callable=skip, trigger_rule="all_done"),
    }
    ups["upfail"] = EmptyOperator(task_id="upfail")
    ups["bad"] >> ups["upfail"]
    # Rules are evaluated as soon as an upstream ends, as Airflow does, so all_success over a
    # skip that ends before a failure would give skipped. The skips end last to fix the order.
    [ups["bad"], ups["bad2"]] >> ups["skip"]
    [ups["bad"], ups["bad2"]] >> ups["skip2"]
    for rule, combos in RULES.items():
        for combo, names in combos.items():
            EmptyOperator(task_id=f"{rule}__{combo}", trigger_rule=rule).set_upstream([ups[n] for n in names])
'''


def test_every_trigger_rule_against_real_upstream_states(settings, db, write_dag, parse):
    rules = {rule: COMBOS for rule in EXPECTED}
    write_dag("rules.py", f"RULES = {rules!r}\n" + DAG_FILE)
    parse()
    run = run_dag_to_end(settings, db, "rules", timeout=120)
    with db.read() as session:
        states = {r.task_id: r.state for r in task_instances.for_run(session, "rules", run.run_id)}
    assert states["upfail"] == UF
    wrong = {
        f"{rule}__{combo}": (states[f"{rule}__{combo}"], expected)
        for rule, by_combo in EXPECTED.items()
        for combo, expected in by_combo.items()
        if states[f"{rule}__{combo}"] != expected
    }
    assert wrong == {}, "task: (got, expected)"
