"""Execution: where a task try runs (inline, a local process pool, Celery)."""
