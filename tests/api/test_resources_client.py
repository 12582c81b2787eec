"""The official apache-airflow-client reads and writes pools, variables, connections, config,
assets, jobs, providers and plugins unchanged (its models refuse a missing or mistyped field)."""

from __future__ import annotations

import pytest

client = pytest.importorskip("airflow_client.client")


@pytest.fixture
def api_client(api):
    configuration = client.Configuration(host=api.url, access_token=api.tokens["Admin"])
    with client.ApiClient(configuration) as api_client:
        yield api_client


def test_pools_variables_connections(api, api_client):
    pools = client.PoolApi(api_client)
    name = api.unique("client_pool")
    assert pools.post_pool(client.PoolBody(name=name, slots=4)).open_slots == 4
    assert pools.patch_pool(name, client.PoolPatchBody(slots=6)).slots == 6
    assert name in {p.name for p in pools.get_pools(limit=1000).pools}
    bulk = pools.bulk_pools(client.BulkBodyPoolBody(actions=[client.ActionsInner3(
        client.BulkDeleteActionPoolBody(action="delete", entities=[client.EntitiesInner3(name)]))]))
    assert bulk.delete.success == [name]

    variables = client.VariableApi(api_client)
    key = api.unique("client_var")
    variables.post_variable(client.VariableBody(key=key, value="v1", description="d"))
    assert variables.get_variable(key).value == "v1"
    assert variables.patch_variable(key, client.VariableBody(key=key, value="v2")).value == "v2"
    assert key in {v.key for v in variables.get_variables(variable_key_pattern=key).variables}
    variables.delete_variable(key)

    connections = client.ConnectionApi(api_client)
    conn_id = api.unique("client_conn")
    created = connections.post_connection(client.ConnectionBody(connection_id=conn_id, conn_type="http",
                                                                host="example.com", password="secret-pw"))
    assert created.password == "***"
    assert connections.get_connection(conn_id).host == "example.com"
    assert connections.get_connections(connection_id_pattern=conn_id).total_entries == 1
    connections.delete_connection(conn_id)


def test_reads(api, api_client):
    config = client.ConfigApi(api_client).get_config(section="core")
    assert config.sections[0].name == "core"
    assert client.ConfigApi(api_client).get_config_value("core", "parallelism").sections[0].options[0].value
    assert client.AssetApi(api_client).get_assets().total_entries >= 0
    assert client.AssetApi(api_client).get_asset_aliases().total_entries >= 0
    assert client.AssetApi(api_client).get_asset_events().total_entries >= 0
    assert client.JobApi(api_client).get_jobs().total_entries >= 0
    assert client.ProviderApi(api_client).get_providers().total_entries >= 0
    assert client.PluginApi(api_client).get_plugins().total_entries == 0
    assert client.PluginApi(api_client).import_errors().total_entries == 0
