"""Orchestration: runs, readiness, slots, dispatch, retries, heartbeats and recovery."""
