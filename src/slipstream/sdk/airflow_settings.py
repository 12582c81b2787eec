"""``airflow.settings`` for DAG files: where the installation keeps things (``AIRFLOW_HOME``,
``DAGS_FOLDER``). Airflow's database session (``settings.Session``, ``settings.engine``) is not
offered: Slipstream's store is not Airflow's database; use Variables, Connections or the CLI."""

from __future__ import annotations

from typing import Any

_UNSUPPORTED = ("Session", "engine", "SASession")


def __getattr__(name: str) -> Any:
    from slipstream.sdk.configuration import conf

    if name == "AIRFLOW_HOME":
        return str(conf.home)
    if name == "DAGS_FOLDER":
        return conf.get("core", "dags_folder")
    if name in _UNSUPPORTED:
        from slipstream.sdk.unsupported import unsupported_class

        return unsupported_class(
            name, "direct access to Airflow's metadata database",
            "Slipstream's store is not Airflow's database; use Variable, Connection or the slipstream CLI",
        )
    raise AttributeError(f"module 'airflow.settings' has no attribute {name!r} in Slipstream")
