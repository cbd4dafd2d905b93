"""The gcp IO manager and warehouse against bqemulator: stored schemas read back, partitioned replace, max_value.

The fake in test_bigquery_io_manager.py pins the requests; here a BigQuery implementation executes them (its
multi-statement transaction, its table resources), and every time column is read back as TIMESTAMP.
"""

import dagster as dg
import pandas as pd

from forecast_assets.ingestion import raw_series
from resources.gcp.bigquery_io_manager import BigQueryAssetIOManager
from resources.gcp.bigquery_warehouse import BigQueryWarehouse
from resources.settings import ForecastSettings
from resources.sources.synthetic import SyntheticSeriesSource


@dg.asset
def scored_series() -> pd.DataFrame:
    """An unpartitioned table with a naive timestamp column."""
    return pd.DataFrame({"series_id": ["A", "B"], "scored_at": pd.to_datetime(["2024-03-01 06:00"] * 2)})


def test_asset_and_warehouse_tables_store_timestamps_and_raw_series_is_partitioned_and_replaced_in_place(
        bigquery_dataset):
    endpoint, project, dataset = bigquery_dataset
    manager = BigQueryAssetIOManager(project=project, dataset=dataset, api_endpoint=endpoint)
    resources = {"io_manager": manager, "source": SyntheticSeriesSource(), "settings": ForecastSettings()}
    warehouse = BigQueryWarehouse(project=project, dataset=dataset, api_endpoint=endpoint)
    for day in ("2024-03-01", "2024-03-02"):
        assert dg.materialize([raw_series], resources=resources, partition_key=day).success
    assert dg.materialize([scored_series], resources={"io_manager": manager}).success
    alert = pd.DataFrame({"created_at": pd.to_datetime(["2024-03-01 08:00"]), "kind": ["x"]})
    warehouse.write("alerts", alert, replace_where={"kind": "x"})  # the first write may already replace
    warehouse.write("alerts", alert.assign(created_at=pd.Timestamp("2024-03-01 09:00")), replace_where={"kind": "x"})
    assert warehouse.read("alerts")["created_at"].tolist() == [pd.Timestamp("2024-03-01 09:00")]
    before = warehouse.read("raw_series")

    assert dg.materialize([raw_series], resources=resources, partition_key="2024-03-02").success

    after = warehouse.read("raw_series")
    assert len(before) == 2 * 24 * 12  # two days of the twelve hourly synthetic series
    assert len(after) == len(before) and after["timestamp"].nunique() == before["timestamp"].nunique()
    first_day = lambda rows: rows[rows["timestamp"] < pd.Timestamp("2024-03-02")].sort_values(["series_id", "timestamp"])  # noqa: E731
    assert first_day(after)["ingested_at"].tolist() == first_day(before)["ingested_at"].tolist()
    client = warehouse.client()
    table = client.get_table(f"{project}.{dataset}.raw_series")
    assert table.time_partitioning.field == "timestamp" and table.time_partitioning.type_ == "DAY"
    assert table.clustering_fields == ["series_id"]
    for name, columns in (("raw_series", ("timestamp", "ingested_at")), ("scored_series", ("scored_at",)),
                          ("alerts", ("created_at",))):
        stored = {f.name: f.field_type for f in client.get_table(f"{project}.{dataset}.{name}").schema}
        assert {column: stored[column] for column in columns} == dict.fromkeys(columns, "TIMESTAMP"), name
    assert warehouse.max_value("raw_series", "timestamp") == before["timestamp"].max()
    assert [t.table_id for t in client.list_tables(dataset) if "staging" in t.table_id] == []
