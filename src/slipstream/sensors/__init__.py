"""Sensors: tasks that wait for something (later versions)."""
