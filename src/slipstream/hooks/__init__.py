"""Hooks: connections to external systems (later versions)."""
