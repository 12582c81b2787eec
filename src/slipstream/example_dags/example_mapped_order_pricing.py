"""
### Dynamic task mapping

`list_orders` returns a list whose length is only known when it runs. `price.partial(...)`
fixes the arguments every instance shares and `.expand(order=...)` makes one task instance per
order: they run in parallel, each is retried on its own, and each is shown by the name its
`map_index_template` gives it (`order A-1`, ...). `total` receives every instance's result in
map-index order and adds them up. An empty list would skip `price` (and `total`), and the run
would still succeed.

`TaskGroup`s can be mapped too: `@task_group` functions take `.expand(...)` the same way.
"""

from datetime import datetime

from slipstream import dag, task


@dag(
    dag_id="example_mapped_order_pricing",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    tags=["example", "mapping"],
)
def example_mapped_order_pricing():
    """Price each order in parallel, then add the prices up."""

    @task
    def list_orders() -> list[dict]:
        return [{"id": "A-1", "items": 3}, {"id": "B-2", "items": 1}, {"id": "C-3", "items": 5}]

    @task(map_index_template="{{ 'order ' ~ task.op_kwargs['order']['id'] }}")
    def price(order: dict, unit_price: float) -> float:
        amount = order["items"] * unit_price
        print(f"Order {order['id']}: {order['items']} x {unit_price} = {amount}")
        return amount

    @task
    def total(amounts) -> float:
        result = sum(amounts)
        print(f"{len(amounts)} orders, total {result:.2f}")
        return result

    total(price.partial(unit_price=2.5).expand(order=list_orders()))


example_mapped_order_pricing()
