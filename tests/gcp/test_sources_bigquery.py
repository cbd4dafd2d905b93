"""The warehouse source on BigQuery: the real client's query request (window in the WHERE, typed parameters).

Served by the fake BigQuery on 127.0.0.1 (DuckDB inside): this proves the request our code builds and that its SQL
selects the window, not that BigQuery's planner prunes partitions.
"""

import pandas as pd
import pytest
from fake_bigquery import FakeBigQuery
from fake_rest import PROJECT

from resources.sources.base import SourceError
from resources.sources.warehouse import BigQueryTableSource

TABLE = f"{PROJECT}.grid.hourly_load"


@pytest.fixture
def bigquery(fake_google):
    fake = FakeBigQuery(fake_google)
    hours = pd.date_range("2024-03-01", periods=48, freq="h")
    rows = pd.DataFrame({"region": ["east"] * 48, "hour": hours, "load": [float(i) for i in range(48)]})
    fake.db.register("rows", rows)
    fake.db.execute(f'CREATE TABLE "{TABLE}" AS SELECT region, CAST(hour AS TIMESTAMP) AS hour, load FROM rows')
    return fake


def source(fake_google, **settings) -> BigQueryTableSource:
    return BigQueryTableSource(project=PROJECT, api_endpoint=fake_google.endpoint, series_id_column="region",
                               timestamp_column="hour", value_column="load", **{"table": TABLE, **settings})  # fmt: skip


def sent_parameters(fake_google) -> dict:
    body = fake_google.calls("POST", "/queries")[-1].json
    return {p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"]) for p in body["queryParameters"]}


def test_a_day_is_selected_inside_the_query_with_timestamp_parameters(bigquery, fake_google):
    day = source(fake_google).fetch(pd.Timestamp("2024-03-02"), pd.Timestamp("2024-03-03"))
    assert day["value"].tolist() == [float(i) for i in range(24, 48)] and set(day["series_id"]) == {"east"}
    body = fake_google.calls("POST", "/queries")[-1].json
    assert body["query"] == (f"SELECT `region`, `hour`, `load` FROM `{TABLE}` WHERE `hour` >= @start AND `hour` < @end")
    params = sent_parameters(fake_google)
    assert params["start"][0] == "TIMESTAMP" and params["start"][1].startswith("2024-03-02 00:00:00")
    assert params["end"][0] == "TIMESTAMP" and params["end"][1].startswith("2024-03-03 00:00:00")


def test_a_datetime_column_gets_datetime_parameters_and_a_query_source_is_wrapped(bigquery, fake_google):
    query = f"SELECT region, hour, load FROM `{TABLE}` WHERE region = 'east'"
    day = source(fake_google, table="", query=query, timestamp_type="DATETIME").fetch(
        pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02"))
    assert len(day) == 24
    body = fake_google.calls("POST", "/queries")[-1].json
    assert body["query"].startswith(f"SELECT `region`, `hour`, `load` FROM ({query}) AS source_rows WHERE `hour` >=")
    assert sent_parameters(fake_google)["start"] == ("DATETIME", "2024-03-01T00:00:00.000000")


def test_the_range_and_an_empty_window_are_read_from_the_table(bigquery, fake_google):
    assert source(fake_google).time_range() == (pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02 23:00"))
    with pytest.raises(SourceError, match=rf"^bigquery {TABLE}: no rows with 2024-05-01 00:00:00 <= hour"):
        source(fake_google).fetch(pd.Timestamp("2024-05-01"), pd.Timestamp("2024-05-02"))


def test_a_missing_table_is_named_with_bigquerys_message(bigquery, fake_google):
    with pytest.raises(SourceError, match=rf"^bigquery {PROJECT}.grid.nowhere: the query failed \(.*Not found"):
        source(fake_google, table=f"{PROJECT}.grid.nowhere").fetch(pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02"))


@pytest.fixture
def emulated_table(bigquery_dataset):
    """grid.hourly_load in the BigQuery emulator: a TIMESTAMP and a DATETIME copy of two days of one region."""
    from resources.gcp.clients import bigquery_client

    endpoint, project, dataset = bigquery_dataset
    client = bigquery_client(project, api_endpoint=endpoint)
    values = ", ".join(f"('east', TIMESTAMP '2024-03-0{1 + hour // 24} {hour % 24:02d}:00:00', {float(hour)})"
                       for hour in range(48))  # fmt: skip
    for table, kind in (("hourly_load", "TIMESTAMP"), ("hourly_load_local", "DATETIME")):
        client.query_and_wait(f"CREATE TABLE `{project}.{dataset}.{table}` (region STRING, hour {kind}, load FLOAT64)")
        client.query_and_wait(f"INSERT INTO `{project}.{dataset}.{table}` (region, hour, load) VALUES "
                              + values.replace("TIMESTAMP '", f"{kind} '"))  # fmt: skip
    return endpoint, project, dataset


@pytest.mark.parametrize("table, kind", [("hourly_load", "TIMESTAMP"), ("hourly_load_local", "DATETIME")])
def test_on_the_bigquery_emulator_a_day_comes_back_from_a_timestamp_or_datetime_column(emulated_table, table, kind):
    endpoint, project, dataset = emulated_table
    source = BigQueryTableSource(project=project, table=f"{project}.{dataset}.{table}", api_endpoint=endpoint,
                                 timestamp_type=kind, series_id_column="region", timestamp_column="hour",
                                 value_column="load")  # fmt: skip
    day = source.fetch(pd.Timestamp("2024-03-02"), pd.Timestamp("2024-03-03"))
    assert day["timestamp"].tolist() == list(pd.date_range("2024-03-02", periods=24, freq="h"))
    assert day["value"].tolist() == [float(hour) for hour in range(24, 48)]
    assert source.time_range() == (pd.Timestamp("2024-03-01"), pd.Timestamp("2024-03-02 23:00"))
