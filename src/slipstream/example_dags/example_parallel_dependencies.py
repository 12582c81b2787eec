"""
### Parallel dependencies

`task_a` and `task_b` do not depend on each other, so they run at the same time; `task_c`
depends on both and starts only when both have succeeded (the default trigger rule,
`all_success`).
"""

from datetime import datetime

from slipstream import DAG, PythonOperator


def run_task_a():
    print("Task A is running")


def run_task_b():
    print("Task B is running")


def run_task_c():
    print("Task C is running")


with DAG(
    dag_id="example_parallel_dependencies",
    start_date=datetime(2023, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "parallel"],
    doc_md=__doc__,
) as dag:
    task_a = PythonOperator(task_id="task_a", python_callable=run_task_a)
    task_b = PythonOperator(task_id="task_b", python_callable=run_task_b)
    task_c = PythonOperator(task_id="task_c", python_callable=run_task_c)

    task_a >> task_c  # Task C depends on Task A
    task_b >> task_c  # Task C depends on Task B
    # the same in one line: [task_a, task_b] >> task_c
