"""Operators: the task types a DAG file builds."""

# The sdk's ``@task`` builds on PythonOperator: load the sdk whole first, so that importing an
# operator module before anything else is not a circular import.
import slipstream.sdk  # noqa: F401
