"""Date helpers Airflow 2 tutorials import from ``airflow.utils.dates``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def days_ago(n: int, hour: int = 0, minute: int = 0, second: int = 0, microsecond: int = 0) -> datetime:
    """Midnight UTC ``n`` days ago (deprecated in Airflow; kept so old DAG files load)."""
    today = datetime.now(UTC).replace(hour=hour, minute=minute, second=second, microsecond=microsecond)
    return today - timedelta(days=n)
