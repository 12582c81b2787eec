"""
### Parallel ETL with cross_downstream

Three tables are extracted in parallel; each load may only start once *every* extract is done.

`extract_tasks >> load_tasks` (a list on both sides of `>>`) is not allowed, because it is not
clear whether it means "pair them up" or "everything to everything".
`cross_downstream(extract_tasks, load_tasks)` says "everything to everything": each of the
three loads depends on all three extracts. To pair them one to one instead, use
`chain(extract_tasks, load_tasks)`.
"""

from datetime import datetime

from slipstream import DAG, BashOperator, EmptyOperator, PythonOperator, cross_downstream


def extract(table):
    print(f"Extracting {table}")


def load(table):
    print(f"Loading {table}")


tables = ["users", "orders", "products"]

with DAG(
    "example_parallel_etl",
    start_date=datetime(2023, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "etl", "parallel"],
    doc_md=__doc__,
) as dag:
    start = EmptyOperator(task_id="start")
    end = EmptyOperator(task_id="end")

    # One extract task per table, all able to run at the same time.
    extract_tasks = [
        PythonOperator(
            task_id=f"extract_{table}",
            python_callable=extract,
            op_kwargs={"table": table},
        )
        for table in tables
    ]

    # One load task per table.
    load_tasks = [
        BashOperator(
            task_id=f"load_{table}",
            bash_command=f"echo 'Loading {table}'",
        )
        for table in tables
    ]

    start >> extract_tasks
    cross_downstream(extract_tasks, load_tasks)
    load_tasks >> end
