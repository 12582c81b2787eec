"""Sensors: tasks that wait for something (a file, a time, another DAG's task) before succeeding."""

from slipstream.sensors.base import BaseSensorOperator, PokeReturnValue

__all__ = ["BaseSensorOperator", "PokeReturnValue"]
