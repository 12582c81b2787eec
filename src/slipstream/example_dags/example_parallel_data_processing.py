"""
### Parallel data processing

Three sources are extracted at the same time, each extract is followed by its own processing
step, and one task combines the results once all three are processed:

    start_pipeline >> [extract_sales_data, extract_customer_data, extract_inventory_data]
    extract_sales_data >> process_sales_data        (and the same for customers and inventory)
    [process_sales_data, process_customer_data, process_inventory_data] >> combine_all_data >> end_pipeline

The sleeps stand in for real work. The longest path is customers: 7 s + 3 s + 2 s = 12 s, so
with tasks running in parallel the whole run takes about 12 s, not the 24 s of all the sleeps.

`start_pipeline` and `end_pipeline` are `EmptyOperator`s: they only give the graph a clear
beginning and end, and the scheduler marks them done without starting a process.
"""

from datetime import datetime, timedelta

from slipstream import DAG, BashOperator, EmptyOperator, chain

default_args = {
    "owner": "data-team",
    "retries": 1,
    "retry_delay": timedelta(minutes=2),
}

with DAG(
    dag_id="example_parallel_data_processing",
    description="Demonstrates parallel task execution",
    default_args=default_args,
    start_date=datetime(2024, 1, 1),
    schedule=None,  # run it with "Trigger DAG" in the UI or `slipstream dags trigger`
    catchup=False,
    tags=["example", "parallel", "tutorial"],
    doc_md=__doc__,
) as dag:
    start = EmptyOperator(task_id="start_pipeline")

    # Three extracts with no dependency between them: they run at the same time.
    extract_sales = BashOperator(
        task_id="extract_sales_data",
        bash_command='echo "Extracting sales data..."; sleep 5; echo "Sales data extracted!"',
    )
    extract_customers = BashOperator(
        task_id="extract_customer_data",
        bash_command='echo "Extracting customer data..."; sleep 7; echo "Customer data extracted!"',
    )
    extract_inventory = BashOperator(
        task_id="extract_inventory_data",
        bash_command='echo "Extracting inventory data..."; sleep 3; echo "Inventory data extracted!"',
    )

    # Each source is processed as soon as its own extract is done.
    process_sales = BashOperator(
        task_id="process_sales_data",
        bash_command='echo "Processing sales data..."; sleep 2; echo "Sales processing complete!"',
    )
    process_customers = BashOperator(
        task_id="process_customer_data",
        bash_command='echo "Processing customer data..."; sleep 3; echo "Customer processing complete!"',
    )
    process_inventory = BashOperator(
        task_id="process_inventory_data",
        bash_command='echo "Processing inventory data..."; sleep 2; echo "Inventory processing complete!"',
    )

    combine_data = BashOperator(
        task_id="combine_all_data",
        bash_command='echo "Combining all processed data..."; sleep 2; echo "Data combination complete!"',
    )

    end = EmptyOperator(task_id="end_pipeline")

    # chain() links each element to the next. Two lists of the same length next to each other
    # are paired one to one (extract_sales >> process_sales, ...), and a list followed by a task
    # fans in. The same with >>:
    #   start >> [extract_sales, extract_customers, extract_inventory]
    #   extract_sales >> process_sales; extract_customers >> process_customers; ...
    #   [process_sales, process_customers, process_inventory] >> combine_data >> end
    chain(
        start,
        [extract_sales, extract_customers, extract_inventory],
        [process_sales, process_customers, process_inventory],
        combine_data,
        end,
    )
