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
# The dag_ids of Apache Airflow 3.3.2's own examples (apache-airflow-core 3.3.2 and
# apache-airflow-providers-standard 1.21.0 wheels): a user may load those next to ours.
AIRFLOW_EXAMPLE_DAG_IDS = {
    "aggregate_regional_sales", "asset1_producer", "asset2_producer", "asset_alias_example_alias_consumer",
    "asset_alias_example_alias_consumer_with_no_taskflow", "asset_alias_example_alias_producer",
    "asset_alias_example_alias_producer_with_no_taskflow", "asset_consumes_1", "asset_consumes_1_and_2",
    "asset_consumes_1_never_scheduled", "asset_consumes_unknown_never_scheduled", "asset_produces_1",
    "asset_produces_2", "asset_s3_bucket_consumer", "asset_s3_bucket_consumer_with_no_taskflow",
    "asset_s3_bucket_producer", "asset_s3_bucket_producer_with_no_taskflow", "asset_with_extra_by_context",
    "asset_with_extra_by_yield", "asset_with_extra_from_classic_operator", "child_dag",
    "clean_and_combine_player_stats", "compute_player_odds", "conditional_asset_and_time_based_timetable",
    "consume_1_and_2_with_asset_expressions", "consume_1_or_2_with_asset_expressions",
    "consume_1_or_both_2_and_3_with_asset_expressions", "consumes_asset_decorator", "daily_inference",
    "daily_team_a_rollup", "example_asset_state_store_consumer", "example_asset_state_store_producer",
    "example_asset_with_watchers", "example_bash_decorator", "example_bash_operator",
    "example_branch_datetime_operator", "example_branch_datetime_operator_2",
    "example_branch_datetime_operator_3", "example_branch_dop_operator_v3", "example_branch_labels",
    "example_branch_operator", "example_branch_python_operator_decorator", "example_complex",
    "example_custom_weight", "example_dag_decorator", "example_display_name", "example_dynamic_task_mapping",
    "example_dynamic_task_mapping_with_no_taskflow_operators", "example_external_task",
    "example_external_task_marker_child", "example_external_task_marker_parent", "example_failed_dag",
    "example_hitl_operator", "example_kubernetes_executor", "example_local_kubernetes_executor",
    "example_measurement_correction_decorator", "example_measurement_correction_operator",
    "example_nested_branch_dag", "example_params_trigger_ui", "example_params_ui_tutorial",
    "example_passing_params_via_test_command", "example_python_decorator", "example_python_operator",
    "example_retry_policy", "example_sensor_decorator", "example_sensors", "example_setup_teardown",
    "example_setup_teardown_taskflow", "example_short_circuit_decorator", "example_short_circuit_operator",
    "example_simplest_dag", "example_skip_dag", "example_task_group", "example_task_group_decorator",
    "example_task_group_mapping", "example_task_mapping_second_order", "example_task_state_store",
    "example_task_state_store_async", "example_task_state_store_mapped", "example_time_delta_sensor_async",
    "example_trigger_controller_dag", "example_trigger_target_dag", "example_weekday_branch_operator",
    "example_workday_timetable", "example_xcom", "example_xcom_args", "example_xcom_args_with_operators",
    "ingest_region_stats", "ingest_regional_sales", "ingest_team_a_player_stats", "latest_only",
    "latest_only_with_trigger", "live_region_player_stats", "monthly_team_a_rollup",
    "multi_region_player_stats", "player_odds_quality_check_wont_ever_to_trigger", "read_asset_event",
    "read_asset_event_from_classic", "regional_stats_breakdown", "scatter_live_region_to_segments",
    "segment_region_stats_early_rollup", "segment_region_stats_rollup", "summarize_live_region_stats",
    "team_analytics_producer", "team_b_player_stats", "team_c_player_stats", "team_ml_consumer",
    "trailing_week_inference", "train_weekly_model", "tutorial", "tutorial_dag", "tutorial_objectstorage",
    "tutorial_taskflow_api", "tutorial_taskflow_api_virtualenv", "tutorial_taskflow_templates",
}
# What a task does and when it runs, as the serialized DAG records it.
TASK_FIELDS = ("operator", "upstream", "retries", "retry_delay", "owner", "task_group", "email", "email_on_failure")


def test_load_examples_adds_the_examples_folder(settings):
    assert EXAMPLES not in settings.dag_folders()
    assert settings.replace(load_examples=True).dag_folders() == [settings.dags_folder, EXAMPLES]


def test_no_example_takes_a_dag_id_of_airflows_examples():
    """A folder with Airflow's examples and ours must not lose one to a duplicate dag_id."""
    from slipstream.dagfiles.loader import load_dag_file

    ours = {dag.dag_id for path in EXAMPLES.glob("example_*.py") for dag in load_dag_file(path).dags}
    assert len(ours) == len(list(EXAMPLES.glob("example_*.py")))
    assert ours & AIRFLOW_EXAMPLE_DAG_IDS == set()


def test_every_example_loads_without_errors(example_results):
    with example_results.db.read() as session:
        errors = dag_store.list_import_errors(session)
        loaded = {d.dag_id: d for d in dag_store.list_dags(session)}
    assert [(e.filename, e.exception) for e in errors] == []
    files = sorted(p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
    assert sorted(Path(d.fileloc).name for d in loaded.values()) == files
    assert set(loaded) == set(SEEDS) | {"example_taskflow_etl", "example_mapped_order_pricing"}
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


def test_example_mapped_order_pricing_prices_each_order_in_its_own_instance(example_results):
    dag_id = "example_mapped_order_pricing"
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
