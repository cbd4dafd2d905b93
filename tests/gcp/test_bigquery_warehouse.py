"""BigQueryWarehouse: the real google-cloud-bigquery client against a fake BigQuery on 127.0.0.1 (DuckDB inside)."""

import pandas as pd
import pytest
from fake_rest import PROJECT
from fake_bigquery import multipart
from fake_bigquery_catalog import FakeBigQueryCatalog, strip

from resources.gcp.bigquery_warehouse import BigQueryWarehouse

TABLE = f"{PROJECT}.forecast.drift_summary"


@pytest.fixture
def bigquery(fake_google):
    return FakeBigQueryCatalog(fake_google)


@pytest.fixture
def warehouse(fake_google, bigquery):
    return BigQueryWarehouse(project=PROJECT, dataset="forecast", location="EU", api_endpoint=fake_google.endpoint)


def _rows(day: str, drift: float) -> pd.DataFrame:
    return pd.DataFrame({"day": [day, day], "series_id": ["A", "B"], "drift_share": [drift, drift / 2],
                         "computed_at": pd.to_datetime([f"{day} 06:00", f"{day} 06:00"]), "drifted": [True, False]})


def test_the_first_write_is_a_load_job_with_our_schema_that_creates_the_table(warehouse, fake_google, bigquery):
    warehouse.write("drift_summary", _rows("2024-03-01", 0.4))

    (upload,) = fake_google.calls("POST", "/upload/bigquery/v2/projects/demo-project/jobs")
    assert upload.query["uploadType"] == ["multipart"]
    job, _ = multipart(upload)
    load = job["configuration"]["load"]
    assert load["destinationTable"] == {"projectId": PROJECT, "datasetId": "forecast", "tableId": "drift_summary"}
    assert load["sourceFormat"] == "PARQUET"
    assert (load["writeDisposition"], load["createDisposition"]) == ("WRITE_APPEND", "CREATE_IF_NEEDED")
    assert [(f["name"], f["type"]) for f in load["schema"]["fields"]] == [
        ("day", "STRING"), ("series_id", "STRING"), ("drift_share", "FLOAT64"), ("computed_at", "TIMESTAMP"),
        ("drifted", "BOOL")]
    assert bigquery.table(TABLE)["series_id"].tolist() == ["A", "B"]


def test_replace_where_stages_the_new_rows_and_swaps_them_in_with_one_parameterized_merge(warehouse, fake_google,
                                                                                         bigquery):
    warehouse.write("drift_summary", _rows("2024-03-01", 0.4))
    warehouse.write("drift_summary", _rows("2024-03-02", 0.1))
    warehouse.write("drift_summary", _rows("2024-03-01", 0.9), replace_where={"day": "2024-03-01"})

    (merge,) = fake_google.calls("POST", "/queries")
    body = merge.json
    assert strip(body["query"]).startswith(f"MERGE INTO `{TABLE}` AS target USING `{TABLE}__staging_")
    assert "WHEN NOT MATCHED BY SOURCE AND target.`day` = @w0 THEN DELETE WHEN NOT MATCHED THEN INSERT" in strip(body["query"])
    assert body["queryParameters"] == [{"name": "w0", "parameterType": {"type": "STRING"},
                                        "parameterValue": {"value": "2024-03-01"}}]
    assert body["location"] == "EU"
    table = bigquery.table(TABLE).sort_values(["day", "series_id"])
    assert table["drift_share"].tolist() == [0.9, 0.45, 0.1, 0.05]
    assert [name for name in bigquery.tables if "staging" in name] == []


def test_replacing_with_no_rows_is_one_delete(warehouse, fake_google, bigquery):
    warehouse.write("drift_summary", pd.concat([_rows("2024-03-01", 0.4), _rows("2024-03-02", 0.1)]))
    warehouse.write("drift_summary", _rows("2024-03-01", 0.4).iloc[:0], replace_where={"day": "2024-03-01"})

    (delete,) = fake_google.calls("POST", "/queries")
    assert delete.json["query"] == f"DELETE FROM `{TABLE}` AS target WHERE target.`day` = @w0"
    assert bigquery.table(TABLE)["day"].tolist() == ["2024-03-02", "2024-03-02"]


def test_a_first_write_with_replace_where_tolerates_the_missing_table(warehouse, bigquery):
    warehouse.write("drift_summary", _rows("2024-03-01", 0.4), replace_where={"day": "2024-03-01"})
    assert len(bigquery.table(TABLE)) == 2


def test_read_sends_a_parameterized_select_over_the_time_window_and_returns_naive_timestamps(warehouse, fake_google):
    rows = pd.concat([_rows("2024-03-01", 0.4), _rows("2024-03-02", 0.1), _rows("2024-03-03", 0.2)])
    warehouse.write("drift_summary", rows)

    frame = warehouse.read("drift_summary", where={"series_id": "A"}, time_column="computed_at",
                           start=pd.Timestamp("2024-03-02"), end=pd.Timestamp("2024-03-03"))

    body = fake_google.calls("POST", "/queries")[-1].json
    assert body["query"] == (f"SELECT * FROM `{TABLE}` WHERE `series_id` = @w0 AND `computed_at` >= @start"
                             " AND `computed_at` < @end")
    params = {p["name"]: (p["parameterType"]["type"], p["parameterValue"]["value"]) for p in body["queryParameters"]}
    assert params["w0"] == ("STRING", "A")
    assert params["start"][0] == "TIMESTAMP" and params["start"][1].startswith("2024-03-02 00:00:00")
    assert params["end"][0] == "TIMESTAMP" and params["end"][1].startswith("2024-03-03 00:00:00")
    assert frame["day"].tolist() == ["2024-03-02"] and frame["drift_share"].tolist() == [0.1]
    assert frame["computed_at"].tolist() == [pd.Timestamp("2024-03-02 06:00")]
    assert frame["drifted"].tolist() == [True]


def test_reading_a_table_that_does_not_exist_gives_an_empty_frame(warehouse):
    assert warehouse.read("never_written").empty


def test_names_that_could_inject_sql_are_refused_naming_them(warehouse, fake_google):
    with pytest.raises(ValueError, match="drift; DROP"):
        warehouse.read("drift; DROP TABLE x")
    with pytest.raises(ValueError, match="'day or 1=1'"):
        warehouse.write("drift_summary", _rows("2024-03-01", 0.4), replace_where={"day or 1=1": "x"})
    with pytest.raises(ValueError, match="column 'bad column'"):
        warehouse.write("drift_summary", pd.DataFrame({"bad column": [1]}))
    assert fake_google.requests == []  # refused before anything was sent


def test_max_value_is_one_aggregate_query_not_a_read_of_the_table(warehouse, fake_google):
    warehouse.write("drift_summary", pd.concat([_rows("2024-03-01", 0.4), _rows("2024-03-05", 0.1)]))

    latest = warehouse.max_value("drift_summary", "computed_at")

    (query,) = fake_google.calls("POST", "/queries")
    assert query.json["query"] == f"SELECT MAX(`computed_at`) AS max_value FROM `{TABLE}`"
    assert latest == pd.Timestamp("2024-03-05 06:00")
    assert warehouse.max_value("never_written", "computed_at") is None
