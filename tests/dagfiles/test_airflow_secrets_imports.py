"""Airflow's names of Variable, Connection and BaseHook resolve to Slipstream's under the import hook."""

from __future__ import annotations

from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.hooks.base import BaseHook
from slipstream.sdk.connection import Connection
from slipstream.sdk.exceptions import AirflowNotFoundException
from slipstream.sdk.variable import Variable


def test_airflow2_and_airflow3_names():
    with airflow_imports():
        from airflow.exceptions import AirflowNotFoundException as NotFound
        from airflow.hooks.base import BaseHook as Hook2
        from airflow.hooks.base_hook import BaseHook as OldHook
        from airflow.models import Connection as ModelsConnection
        from airflow.models import Variable as ModelsVariable
        from airflow.models.connection import Connection as Connection2
        from airflow.models.variable import Variable as Variable2
        from airflow.sdk import BaseHook as Hook3
        from airflow.sdk import Connection as Connection3
        from airflow.sdk import Variable as Variable3
        from airflow.sdk.bases.hook import BaseHook as BasesHook

    assert ModelsVariable is Variable2 is Variable3 is Variable
    assert ModelsConnection is Connection2 is Connection3 is Connection
    assert Hook2 is OldHook is Hook3 is BasesHook is BaseHook
    assert NotFound is AirflowNotFoundException


def test_slipstream_exports_them_too():
    import slipstream

    assert slipstream.Variable is Variable and slipstream.Connection is Connection
