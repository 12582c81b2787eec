"""Interfaces: the command line, shaped like Airflow's."""
