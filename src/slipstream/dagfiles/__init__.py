"""Definitions: finding DAG files, parsing them in isolation, serialized DAGs, import errors."""
