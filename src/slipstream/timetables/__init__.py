"""Timetables: when a DAG runs (cron strings, presets, intervals, or only when triggered)."""
