"""Persistence: SQLAlchemy models, migrations, and the only functions that write state."""
