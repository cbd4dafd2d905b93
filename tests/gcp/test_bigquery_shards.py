"""Shards on bqemulator: raw_series written in chunks of series in one replace, then read back one shard at a time."""

import dagster as dg
import pandas as pd

from forecast_assets.ingestion import raw_series
from resources.gcp.bigquery_io_manager import BigQueryAssetIOManager
from resources.gcp.bigquery_warehouse import BigQueryWarehouse
from resources.settings import ForecastSettings
from resources.shards import shard_table
from resources.sources.synthetic import SyntheticSeriesSource

DAY = "2024-03-01"


def test_raw_series_in_chunks_is_one_replace_and_reads_back_shard_by_shard(bigquery_dataset):
    endpoint, project, dataset = bigquery_dataset
    source = SyntheticSeriesSource()  # twelve series: chunks of 5, 5 and 2
    resources = {"io_manager": BigQueryAssetIOManager(project=project, dataset=dataset, api_endpoint=endpoint),
                 "source": source, "settings": ForecastSettings(shard_series=5)}
    warehouse = BigQueryWarehouse(project=project, dataset=dataset, api_endpoint=endpoint)
    for _ in range(2):  # the rerun replaces the day: no row doubled
        assert dg.materialize([raw_series], resources=resources, partition_key=DAY).success
    start, end = pd.Timestamp(DAY), pd.Timestamp(DAY) + pd.Timedelta(days=1)

    series = warehouse.distinct("raw_series", "series_id", time_column="timestamp", start=start, end=end)
    shards = shard_table(series, 5)
    read = list(warehouse.read_shards("raw_series", shards, time_column="timestamp", start=start, end=end))

    assert sorted(series) == source.series_ids()
    assert [number for number, _ in read] == sorted(shards["shard"].unique())
    for number, rows in read:
        assert set(rows["series_id"]) == set(shards.loc[shards["shard"] == number, "series_id"])
    combined = pd.concat([rows for _, rows in read]).sort_values(["series_id", "timestamp"], ignore_index=True)
    expected = source.fetch(start, end).sort_values(["series_id", "timestamp"], ignore_index=True)
    pd.testing.assert_frame_equal(combined[["series_id", "timestamp", "value"]], expected, check_dtype=False)
    assert [t.table_id for t in warehouse.client().list_tables(dataset) if "staging" in t.table_id] == []
