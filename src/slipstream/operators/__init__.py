"""Operators: the task types a DAG file builds."""
