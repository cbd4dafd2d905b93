"""BigQueryAssetIOManager: real Dagster materializations through the real BigQuery client to a fake on 127.0.0.1.

What is specified here is what our code asks BigQuery to do (the requests) and what BigQuery would then store
(the table resources the fake keeps from those requests): the fake's DuckDB engine only executes the SQL.
"""

import dagster as dg
import pandas as pd
import pytest
from fake_bigquery_catalog import FakeBigQueryCatalog, strip
from fake_rest import PROJECT

from forecast_assets.ingestion import raw_series
from resources.gcp.bigquery_io_manager import BigQueryAssetIOManager
from resources.gcp.bigquery_warehouse import BigQueryWarehouse
from resources.settings import ForecastSettings
from resources.sources.synthetic import SyntheticSeriesSource

RAW = f"{PROJECT}.forecast.raw_series"


@pytest.fixture
def bigquery(fake_google) -> FakeBigQueryCatalog:
    """The fake, holding the dataset `forecast` already (as deploy/ creates it)."""
    return FakeBigQueryCatalog(fake_google)


@pytest.fixture
def io_manager(fake_google, bigquery) -> BigQueryAssetIOManager:
    """The IO manager of the gcp environment, pointed at the fake."""
    settings = {"project": PROJECT, "dataset": "forecast", "location": "EU"}
    return BigQueryAssetIOManager(**settings, api_endpoint=fake_google.endpoint)


def ingest(io_manager, *days: str):
    resources = {"io_manager": io_manager, "source": SyntheticSeriesSource(), "settings": ForecastSettings()}
    for day in days:
        result = dg.materialize([raw_series], resources=resources, partition_key=day, raise_on_error=False)
        assert result.success, [e.message for e in result.all_events if e.is_failure]


def dataset_creates(fake_google) -> list:
    return [call for call in fake_google.calls("POST") if call.path.endswith(f"/projects/{PROJECT}/datasets")]


@dg.asset
def model_scores() -> pd.DataFrame:
    """An unpartitioned table with a naive and an aware timestamp column."""
    return pd.DataFrame({"series_id": ["A", "B"], "score": [0.5, 0.7],
                         "scored_at": pd.to_datetime(["2024-03-01 06:00", "2024-03-01 07:00"]),
                         "origin": pd.to_datetime(["2024-03-01", "2024-03-01"]).tz_localize("Europe/Berlin")})


def test_writes_send_no_dataset_create_when_the_dataset_exists(io_manager, fake_google):
    ingest(io_manager, "2024-03-01")
    assert dg.materialize([model_scores], resources={"io_manager": io_manager}).success

    assert dataset_creates(fake_google) == []
    assert fake_google.calls("GET", f"/projects/{PROJECT}/datasets/forecast")  # datasets.get: dataEditor grants it
    queries = [strip(call.json["query"]).upper() for call in fake_google.calls("POST", "/queries")]
    assert not [query for query in queries if "CREATE SCHEMA" in query]


def test_a_missing_dataset_is_created_once_on_the_first_write(fake_google):
    FakeBigQueryCatalog(fake_google, datasets=())
    manager = BigQueryAssetIOManager(project=PROJECT, dataset="forecast", api_endpoint=fake_google.endpoint)
    ingest(manager, "2024-03-01")
    ingest(manager, "2024-03-02")
    assert len(dataset_creates(fake_google)) == 1


def test_every_time_column_is_stored_as_timestamp(io_manager, bigquery, fake_google):
    ingest(io_manager, "2024-03-01")
    assert dg.materialize([model_scores], resources={"io_manager": io_manager}).success
    warehouse = BigQueryWarehouse(project=PROJECT, dataset="forecast", api_endpoint=fake_google.endpoint)
    warehouse.write("alerts", pd.DataFrame({"created_at": pd.to_datetime(["2024-03-01 08:00"]), "kind": ["x"]}))

    # Read back through the real client, as a deployment check would.
    client = warehouse.client()
    stored = {name: {f.name: f.field_type for f in client.get_table(f"{PROJECT}.forecast.{name}").schema}
              for name in ("raw_series", "model_scores", "alerts")}
    assert stored["raw_series"] == {"series_id": "STRING", "timestamp": "TIMESTAMP", "value": "FLOAT64",
                                    "ingested_at": "TIMESTAMP"}
    assert stored["model_scores"]["scored_at"] == stored["model_scores"]["origin"] == "TIMESTAMP"
    assert stored["alerts"]["created_at"] == "TIMESTAMP"


def test_raw_series_is_partitioned_by_day_and_clustered_by_series(io_manager, bigquery):
    ingest(io_manager, "2024-03-01")
    table = bigquery.tables[RAW]
    assert table["timePartitioning"] == {"type": "DAY", "field": "timestamp"}
    assert table["clustering"] == {"fields": ["series_id"]}


def test_a_rerun_replaces_only_its_partition_in_one_merge(io_manager, bigquery, fake_google):
    ingest(io_manager, "2024-03-01", "2024-03-02")
    before = bigquery.table(RAW)
    ingest(io_manager, "2024-03-02")

    after = bigquery.table(RAW)
    assert len(before) == 2 * 24 * 12 and len(after) == len(before)  # replaced, not duplicated
    day_one = before[before["timestamp"] < pd.Timestamp("2024-03-02")]
    assert after["ingested_at"][after["timestamp"] < pd.Timestamp("2024-03-02")].tolist() == day_one["ingested_at"].tolist()
    merge = fake_google.calls("POST", "/queries")[-1].json
    assert strip(merge["query"]).startswith(
        f"MERGE INTO `{RAW}` AS target USING `{RAW}__staging_")
    assert strip(merge["query"]).endswith(
        "AS incoming ON FALSE WHEN NOT MATCHED BY SOURCE AND target.`timestamp` >= @slice_start0 AND "
        "target.`timestamp` < @slice_end0 THEN DELETE WHEN NOT MATCHED THEN INSERT (`series_id`, `timestamp`, "
        "`value`, `ingested_at`) VALUES (incoming.`series_id`, incoming.`timestamp`, incoming.`value`, "
        "incoming.`ingested_at`)")
    bounds = {p["name"]: p["parameterValue"]["value"] for p in merge["queryParameters"]}
    assert bounds["slice_start0"].startswith("2024-03-02 00:00:00") and bounds["slice_end0"].startswith("2024-03-03")
    assert [name for name in bigquery.tables if "staging" in name] == []  # the staging table is dropped


def test_a_writer_killed_during_the_swap_leaves_the_partition_as_it_was(io_manager, bigquery):
    ingest(io_manager, "2024-03-01")
    before = bigquery.table(RAW)
    bigquery.fail_next_merge = True

    resources = {"io_manager": io_manager, "source": SyntheticSeriesSource(), "settings": ForecastSettings()}
    result = dg.materialize([raw_series], resources=resources, partition_key="2024-03-01", raise_on_error=False)

    assert not result.success
    pd.testing.assert_frame_equal(bigquery.table(RAW), before)
    assert [name for name in bigquery.tables if "staging" in name] == []


def test_inputs_come_back_with_naive_utc_timestamps_like_the_local_io_manager(io_manager):
    @dg.asset
    def score_count(model_scores: pd.DataFrame) -> pd.DataFrame:
        """Counts the scores it read."""
        assert model_scores["scored_at"].dt.tz is None
        assert model_scores["origin"].tolist() == [pd.Timestamp("2024-02-29 23:00")] * 2
        return pd.DataFrame({"n": [len(model_scores)]})

    assert dg.materialize([model_scores, score_count], resources={"io_manager": io_manager}).success
