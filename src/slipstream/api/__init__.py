"""The REST API (Airflow 3's ``/api/v2``), the token endpoints and, later, the web UI: one ASGI
app, thin handlers over ``slipstream.services``. It reads serialized DAGs from the store and
never imports a DAG file."""
