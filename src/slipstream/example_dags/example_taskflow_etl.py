"""
### ETL with the TaskFlow API

`@dag` turns a function into a DAG and `@task` turns a function into a task. Calling a task
function inside the DAG function does not run it: it adds the task and returns a reference to
its future result (an `XComArg`). Passing that reference to another task function both sets the
dependency (`extract >> transform >> load`) and hands the value over: when `transform` runs,
it receives what `extract` returned, through XCom.

`multiple_outputs=True` stores each key of the returned dict as its own XCom, so
`order_summary["total_order_value"]` passes just that value on. XCom values are stored as JSON.
"""

import json
from datetime import datetime

from slipstream import dag, task


@dag(
    dag_id="example_taskflow_etl",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "taskflow"],
)
def example_taskflow_etl():
    """Orders are extracted, their total is computed, and the total is loaded."""

    @task()
    def extract():
        """Read the orders (a fixed JSON string stands in for an API call)."""
        order_data = '{"1001": 301.27, "1002": 433.21, "1003": 502.22}'
        return json.loads(order_data)

    @task(multiple_outputs=True)
    def transform(order_data_dict: dict):
        """Sum the order values."""
        total_order_value = sum(order_data_dict.values())
        print(f"Orders: {len(order_data_dict)}")
        return {"total_order_value": round(total_order_value, 2)}

    @task()
    def load(total_order_value: float):
        """Print the total (a real DAG would write it somewhere)."""
        print(f"Total order value is: {total_order_value:.2f}")

    order_data = extract()
    order_summary = transform(order_data)
    load(order_summary["total_order_value"])


example_taskflow_etl()
