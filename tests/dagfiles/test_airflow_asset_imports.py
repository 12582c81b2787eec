"""Airflow's asset names (3.x) and dataset names (2.x) resolve to Slipstream's assets."""

from __future__ import annotations

from slipstream.dagfiles.airflow_imports import airflow_imports
from slipstream.sdk import assets
from slipstream.sdk.asset_decorator import asset
from slipstream.timetables.assets import AssetOrTimeSchedule, DatasetOrTimeSchedule


def test_airflow3_asset_names() -> None:
    with airflow_imports():
        from airflow.sdk import Asset, AssetAlias, AssetAll, AssetAny, Metadata
        from airflow.sdk import AssetOrTimeSchedule as Sdk
        from airflow.sdk import asset as decorator
        from airflow.sdk.definitions.asset import Asset as Defined
        from airflow.sdk.definitions.asset.decorators import asset as defined_decorator
        from airflow.sdk.definitions.asset.metadata import Metadata as DefinedMetadata
        from airflow.timetables.assets import AssetOrTimeSchedule as Timetable
    assert (Asset, AssetAlias, AssetAll, AssetAny, Metadata) == (
        assets.Asset, assets.AssetAlias, assets.AssetAll, assets.AssetAny, assets.Metadata,
    )
    assert decorator is asset and defined_decorator is asset
    assert Defined is assets.Asset and DefinedMetadata is assets.Metadata
    assert Sdk is AssetOrTimeSchedule and Timetable is AssetOrTimeSchedule


def test_airflow2_dataset_names() -> None:
    with airflow_imports():
        from airflow.datasets import Dataset, DatasetAlias, DatasetAll, DatasetAny
        from airflow.datasets.metadata import Metadata
        from airflow.timetables.datasets import DatasetOrTimeSchedule as Timetable
    dataset = Dataset("s3://bucket/key/")
    assert isinstance(dataset, assets.Asset) and dataset.group == "dataset" and dataset.uri == "s3://bucket/key"
    assert (DatasetAlias, DatasetAll, DatasetAny, Metadata) == (
        assets.AssetAlias, assets.AssetAll, assets.AssetAny, assets.Metadata,
    )
    schedule = Timetable(timetable="@daily", datasets=[dataset])
    assert isinstance(schedule, DatasetOrTimeSchedule) and schedule.summary == "Asset or @daily"
