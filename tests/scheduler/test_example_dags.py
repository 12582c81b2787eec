"""The example DAGs shipped in slipstream/example_dags, loaded with load_examples and run end to end.

Each example re-writes a seed DAG with Slipstream's own API (same tasks, dependencies, sleeps and
echo lines, dag_id prefixed ``example_``), so each must behave as its seed does; see
test_seed_dags.py. ``example_results`` (conftest.py) parses and runs each example once per module.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from slipstream.store import dags as dag_store
from slipstream.store import task_instances, xcoms

EXAMPLES = Path(__file__).resolve().parents[2] / "src" / "slipstream" / "example_dags"

# example dag_id -> the seed DAG it re-writes
SEEDS = {
    "example_parallel_data_processing": "parallel_data_processing",
    "example_parallel_notifications": "parallel_notifications",
    "example_parallel_dependencies": "parallel_dependencies",
    "example_parallel_multiprocessing": "parallel_multiprocessing",
    "example_parallel_tasks_example": "parallel_tasks_example",
    "example_etl_pipeline": "etl_pipeline_fixed",
    "example_parallel_etl": "parallel_etl_fixed",
    "example_production_etl_v2": "production_etl_v2_fixed",
    "example_parallel_dag": "parallel_dag_fixed",
}
# What a task does and when it runs, as the serialized DAG records it.
TASK_FIELDS = ("operator", "upstream", "retries", "retry_delay", "owner", "task_group", "email", "email_on_failure")


def test_load_examples_adds_the_examples_folder(settings):
    assert EXAMPLES not in settings.dag_folders()
    assert settings.replace(load_examples=True).dag_folders() == [settings.dags_folder, EXAMPLES]


def test_every_example_loads_without_errors(example_results):
    with example_results.db.read() as session:
        errors = dag_store.list_import_errors(session)
        loaded = {d.dag_id: d for d in dag_store.list_dags(session)}
    assert [(e.filename, e.exception) for e in errors] == []
    files = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    assert sorted(Path(d.fileloc).name for d in loaded.values()) == files
    assert set(loaded) == set(SEEDS) | {"example_taskflow_etl", "example_dynamic_task_mapping"}
    for dag_id, row in loaded.items():
        assert Path(row.fileloc).name == f"{dag_id}.py"
        assert "example" in row.tags


def test_each_example_has_the_tasks_and_dependencies_of_its_seed(settings, db, parse_folders, seed_dags):
    """Parsed side by side with the seed folder: same task ids, operators, upstreams and retries."""
    parse_folders(settings.replace(dags_folder=seed_dags, load_examples=True))
    with db.read() as session:
        serialized = {dag_id: dag_store.get_serialized(session, dag_id) for pair in SEEDS.items() for dag_id in pair}
    for example, seed in SEEDS.items():
        assert serialized[example] is not None and serialized[seed] is not None, (example, seed)

        def shape(dag_id):
            return {t["task_id"]: {f: t[f] for f in TASK_FIELDS} for t in serialized[dag_id].data["tasks"]}

        assert shape(example) == shape(seed), f"{example} differs from {seed}"
        for field in ("max_active_runs", "description"):
            assert serialized[example].data[field] == serialized[seed].data[field], (example, field)


def test_example_parallel_data_processing(example_results):
    dag_id = "example_parallel_data_processing"
    example_results.assert_all_succeeded(dag_id)
    extracts = ("extract_sales_data", "extract_customer_data", "extract_inventory_data")
    example_results.assert_started_together(dag_id, *extracts, within=0.5)
    example_results.assert_overlap(dag_id, *extracts)
    for source in ("sales", "customer", "inventory"):
        example_results.assert_after(dag_id, f"process_{source}_data", f"extract_{source}_data")
    example_results.assert_after(
        dag_id, "combine_all_data", "process_sales_data", "process_customer_data", "process_inventory_data"
    )
    example_results.assert_run_time_at_most(dag_id, 12 + 1)
    example_results.assert_log_holds(dag_id, "extract_sales_data", "Extracting sales data...", "Sales data extracted!")
    example_results.assert_log_holds(
        dag_id, "process_customer_data", "Processing customer data...", "Customer processing complete!"
    )
    example_results.assert_log_holds(
        dag_id, "combine_all_data", "Combining all processed data...", "Data combination complete!"
    )
    for task_id in ("start_pipeline", "end_pipeline"):
        example_results.assert_finished_without_process(dag_id, task_id)


def test_example_parallel_notifications(example_results):
    dag_id = "example_parallel_notifications"
    example_results.assert_all_succeeded(dag_id)
    notifications = ("send_email", "send_slack_message", "send_teams_message", "update_dashboard")
    for task_id in notifications:
        example_results.assert_after(dag_id, task_id, "generate_report")
    example_results.assert_overlap(dag_id, *notifications)
    example_results.assert_run_time_at_most(dag_id, 3 + 3 + 1)
    example_results.assert_log_holds(dag_id, "send_email", "Sending email notification...", "Email sent!")


def test_example_parallel_dependencies(example_results):
    dag_id = "example_parallel_dependencies"
    example_results.assert_all_succeeded(dag_id, {"task_a", "task_b", "task_c"})
    example_results.assert_dispatched_together(dag_id, "task_a", "task_b")
    example_results.assert_after(dag_id, "task_c", "task_a", "task_b")
    for name in "ABC":
        example_results.assert_log_holds(dag_id, f"task_{name.lower()}", f"Task {name} is running")


def test_example_parallel_multiprocessing(example_results):
    example_results.assert_all_succeeded("example_parallel_multiprocessing", {"process_data"})
    example_results.assert_log_holds("example_parallel_multiprocessing", "process_data", "Results: [2, 4, 6, 8, 10]")


def test_example_parallel_tasks_needs_no_process(example_results):
    dag_id = "example_parallel_tasks_example"
    tasks = {"start_task", "parallel_task_1", "parallel_task_2", "parallel_task_3", "end_task"}
    example_results.assert_all_succeeded(dag_id, tasks)
    for task_id in tasks:
        example_results.assert_finished_without_process(dag_id, task_id)


def test_example_etl_pipeline(example_results):
    dag_id = "example_etl_pipeline"
    example_results.assert_all_succeeded(dag_id, {"extract", "transform", "load"})
    example_results.assert_after(dag_id, "transform", "extract")
    example_results.assert_after(dag_id, "load", "transform")
    assert {row.max_tries for row in example_results.tis(dag_id).values()} == {3}
    example_results.assert_log_holds(dag_id, "load", "Loading to DB...")


def test_example_parallel_etl(example_results):
    dag_id = "example_parallel_etl"
    extracts = ["extract_users", "extract_orders", "extract_products"]
    example_results.assert_all_succeeded(dag_id)
    example_results.assert_dispatched_together(dag_id, *extracts)
    for table in ("users", "orders", "products"):
        example_results.assert_after(dag_id, f"load_{table}", *extracts)
        example_results.assert_log_holds(dag_id, f"load_{table}", f"Loading {table}")


def test_example_production_etl_v2(example_results):
    dag_id = "example_production_etl_v2"
    example_results.assert_all_succeeded(dag_id, {"extract_load.extract", "extract_load.validate", "transform"})
    assert {t: row.max_tries for t, row in example_results.tis(dag_id).items()} == {
        "extract_load.extract": 2, "extract_load.validate": 0, "transform": 2,
    }
    example_results.assert_after(dag_id, "transform", "extract_load.validate")


def test_example_parallel_dag(example_results):
    dag_id = "example_parallel_dag"
    example_results.assert_all_succeeded(dag_id, {"task_1", "task_2", "task_3", "task_4"})
    example_results.assert_after(dag_id, "task_2", "task_1")
    example_results.assert_after(dag_id, "task_3", "task_1")
    example_results.assert_overlap(dag_id, "task_2", "task_3")
    example_results.assert_after(dag_id, "task_4", "task_2", "task_3")


def test_example_taskflow_etl_passes_values_through_xcom(example_results):
    dag_id = "example_taskflow_etl"
    example_results.assert_all_succeeded(dag_id, {"extract", "transform", "load"})
    example_results.assert_after(dag_id, "transform", "extract")
    example_results.assert_after(dag_id, "load", "transform")
    run_id = example_results.run(dag_id).run_id
    with example_results.db.read() as session:
        def pull(task_id: str, key: str = "return_value"):
            return xcoms.pull(session, dag_id=dag_id, run_id=run_id, task_id=task_id, key=key)

        assert pull("extract") == {"1001": 301.27, "1002": 433.21, "1003": 502.22}
        assert pull("transform") == {"total_order_value": 1236.7}
        assert pull("transform", "total_order_value") == 1236.7
    example_results.assert_log_holds(dag_id, "transform", "Orders: 3")
    example_results.assert_log_holds(dag_id, "load", "Total order value is: 1236.70")


def test_example_dynamic_task_mapping_prices_each_order_in_its_own_instance(example_results):
    dag_id = "example_dynamic_task_mapping"
    run_id = example_results.run(dag_id).run_id
    with example_results.db.read() as session:
        rows = sorted(
            (r for r in task_instances.for_run(session, dag_id, run_id) if r.task_id == "price"),
            key=lambda r: r.map_index,
        )
        total = xcoms.pull(session, dag_id=dag_id, run_id=run_id, task_id="total", key="return_value")
    assert [(r.map_index, r.state, r.rendered_map_index) for r in rows] == [
        (0, "success", "order A-1"), (1, "success", "order B-2"), (2, "success", "order C-3"),
    ]
    assert total == 22.5
    example_results.assert_log_holds(dag_id, "total", "3 orders, total 22.50")


@pytest.mark.parametrize("dag_id", ["example_etl_pipeline", "example_production_etl_v2", "example_parallel_dag"])
def test_scheduled_examples_do_not_catch_up(example_results, dag_id):
    """Examples load with every install: one that is scheduled must not create years of runs."""
    with example_results.db.read() as session:
        data = dag_store.get_serialized(session, dag_id).data
    assert data["schedule"] is not None
    assert data["catchup"] is False
