"""
### Fan out, fan in

`start_task >> [parallel_task_1, parallel_task_2, parallel_task_3] >> end_task`: the three
middle tasks depend on `start_task` and `end_task` waits for all three.

Every task here is an `EmptyOperator`, a placeholder that does nothing. The scheduler marks
empty tasks successful itself, without starting a process, so this run ends almost at once;
swap in real operators and the shape stays the same.
"""

from datetime import datetime

from slipstream import DAG, EmptyOperator

dag = DAG(
    "example_parallel_tasks_example",
    start_date=datetime(2023, 1, 1),
    schedule=None,
    tags=["example", "parallel"],
    doc_md=__doc__,
)

# Without a `with DAG(...)` block, each task names its DAG with dag=.
start_task = EmptyOperator(task_id="start_task", dag=dag)
parallel_task_1 = EmptyOperator(task_id="parallel_task_1", dag=dag)
parallel_task_2 = EmptyOperator(task_id="parallel_task_2", dag=dag)
parallel_task_3 = EmptyOperator(task_id="parallel_task_3", dag=dag)
end_task = EmptyOperator(task_id="end_task", dag=dag)

start_task >> [parallel_task_1, parallel_task_2, parallel_task_3] >> end_task
