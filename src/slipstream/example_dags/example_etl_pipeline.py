"""
### ETL pipeline with retries

`extract >> transform >> load`, once a day. Every task gets `retries` and `retry_delay` from
`default_args`: a task that fails is tried again a minute later, up to three more times, before
it is marked failed and `load` (downstream) is marked `upstream_failed`.

`catchup=False`: when the DAG is turned on, only the latest day is run. With `catchup=True`
the scheduler would also create one run for every day since `start_date`.
"""

from datetime import datetime, timedelta

from slipstream import DAG, BashOperator, PythonOperator


def extract():
    print("Extracting data...")


def transform():
    print("Transforming data...")


default_args = {
    "retries": 3,
    "retry_delay": timedelta(minutes=1),
}

dag = DAG(
    "example_etl_pipeline",
    default_args=default_args,
    schedule="@daily",
    start_date=datetime(2023, 1, 1),
    catchup=False,
    tags=["example", "etl"],
    doc_md=__doc__,
)

extract_task = PythonOperator(
    task_id="extract",
    python_callable=extract,
    dag=dag,
)

transform_task = PythonOperator(
    task_id="transform",
    python_callable=transform,
    dag=dag,
)

load_task = BashOperator(
    task_id="load",
    bash_command='echo "Loading to DB..."',
    dag=dag,
)

extract_task >> transform_task >> load_task
