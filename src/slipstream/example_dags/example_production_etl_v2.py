"""
### Production ETL: task groups, per-task overrides, a cron schedule

- `default_args` give every task two retries three minutes apart, and an email to the team
  when a task fails for good (`email_on_failure`; the mail goes through the configured SMTP
  server).
- `validate` overrides `retries=0`: a failed data check should not be retried.
- The `extract_load` task group shows as one box in the graph; its tasks get ids prefixed
  with the group's id (`extract_load.extract`, `extract_load.validate`), and
  `extract_group >> transform_task` makes `transform` wait for the whole group.
- The cron schedule `0 2 * * *` runs it every day at 02:00; `max_active_runs=1` never lets two
  runs overlap, and `catchup=False` skips the days before the DAG was turned on.
"""

from datetime import datetime, timedelta

from slipstream import DAG, PythonOperator, TaskGroup


def extract():
    print("Extracting data...")


def validate_data():
    print("Validating data...")


def transform():
    print("Transforming data...")


default_args = {
    "owner": "data_team",
    "depends_on_past": False,
    "email_on_failure": True,
    "email": ["alerts@company.com"],
    "retries": 2,
    "retry_delay": timedelta(minutes=3),
}

with DAG(
    dag_id="example_production_etl_v2",
    default_args=default_args,
    description="Customer data ETL with quality checks",
    schedule="0 2 * * *",  # daily at 02:00
    start_date=datetime(2023, 6, 1),
    catchup=False,
    max_active_runs=1,
    tags=["example", "pii", "customer_data"],
    doc_md=__doc__,
) as dag:
    with TaskGroup("extract_load") as extract_group:
        extract_task = PythonOperator(
            task_id="extract",
            python_callable=extract,
        )

        validate_task = PythonOperator(
            task_id="validate",
            python_callable=validate_data,
            retries=0,  # overrides default_args
        )

        extract_task >> validate_task

    transform_task = PythonOperator(
        task_id="transform",
        python_callable=transform,
    )

    extract_group >> transform_task
