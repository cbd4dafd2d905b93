"""The local Google Cloud emulators start offline, answer the real client libraries and stop cleanly."""

import pandas as pd

from resources.gcp.clients import bigquery_client


def test_the_bigquery_emulator_takes_a_small_load_and_answers_a_timestamp_query(bigquery_dataset):
    endpoint, project, dataset = bigquery_dataset
    client = bigquery_client(project, api_endpoint=endpoint)
    rows = pd.DataFrame({"series_id": ["a", "b"], "value": [1.0, 2.0],
                         "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-01-02 00:00"]).tz_localize("UTC")})
    # A few hundred bytes: the client sends this as one multipart request with a `*/*` data part.
    client.load_table_from_dataframe(rows, f"{project}.{dataset}.points").result()

    from google.cloud import bigquery

    config = bigquery.QueryJobConfig(query_parameters=[
        bigquery.ScalarQueryParameter("start", "TIMESTAMP", pd.Timestamp("2024-01-02", tz="UTC").to_pydatetime())])
    found = client.query_and_wait(f"SELECT series_id FROM `{project}.{dataset}.points` WHERE timestamp >= @start",
                                  job_config=config).to_arrow(create_bqstorage_client=False).to_pandas()
    assert found["series_id"].tolist() == ["b"]
    assert {f.name: f.field_type for f in client.get_table(f"{project}.{dataset}.points").schema}["timestamp"] == "TIMESTAMP"


def test_a_stopped_emulator_leaves_no_process(tmp_path):
    from emulators.storage import start_storage

    emulator = start_storage(tmp_path)
    assert emulator.process.poll() is None
    emulator.stop()
    assert emulator.process.poll() is not None
