"""
### Parallel DAG on a daily schedule

`task_1 >> [task_2, task_3] >> task_4`: `task_2` and `task_3` run at the same time between
`task_1` and `task_4`, so a run takes about 9 s instead of 12 s.

`start_date` can come from `default_args`. With `catchup=True` the scheduler would create one
run per day since 2020-01-01 and work through them, at most `max_active_runs` at a time; this
example keeps `catchup=False` so that turning it on runs only the latest day.
"""

from datetime import datetime

from slipstream import DAG, BashOperator

default_args = {
    "start_date": datetime(2020, 1, 1),
}

with DAG(
    "example_parallel_dag",
    schedule="@daily",
    default_args=default_args,
    catchup=False,
    tags=["example", "parallel"],
    doc_md=__doc__,
):
    task_1 = BashOperator(task_id="task_1", bash_command="sleep 3")
    task_2 = BashOperator(task_id="task_2", bash_command="sleep 3")
    task_3 = BashOperator(task_id="task_3", bash_command="sleep 3")
    task_4 = BashOperator(task_id="task_4", bash_command="sleep 3")

    task_1 >> [task_2, task_3] >> task_4
