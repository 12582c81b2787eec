"""
### Parallelism inside one task

Each task runs in its own process, so a task may use `multiprocessing` freely: here one task
spreads its work over a pool of four worker processes. The function given to the pool is
defined at the top level of the DAG file, so the workers can find it. Its log shows
`Results: [2, 4, 6, 8, 10]`.

To run independent pieces of work as separate *tasks* instead (each with its own retries, log
and state in the UI), see `example_parallel_data_processing`.
"""

from datetime import datetime
from multiprocessing import Pool

from slipstream import DAG, PythonOperator


def parallel_task(data):
    print(f"Processing {data}")
    # ... perform some computation on data ...
    return data * 2


def process_data():
    data = [1, 2, 3, 4, 5]
    with Pool(processes=4) as pool:
        results = pool.map(parallel_task, data)
        print(f"Results: {results}")


with DAG(
    dag_id="example_parallel_multiprocessing",
    start_date=datetime(2023, 1, 1),
    schedule=None,
    catchup=False,
    tags=["example", "parallel"],
    doc_md=__doc__,
) as dag:
    process_data_task = PythonOperator(task_id="process_data", python_callable=process_data)
