"""The file source on gs://: a folder of daily Parquet files in a bucket (gcp-storage-emulator), read one window at a time."""

import io

import pandas as pd
import pytest

from resources.gcp.clients import storage_client
from resources.sources.base import SourceError
from resources.sources.file import FileSeriesSource

DAYS = pd.date_range("2024-03-01", periods=3, freq="D")


def daily_rows(day: pd.Timestamp) -> pd.DataFrame:
    hours = pd.date_range(day, periods=24, freq="h")
    return pd.DataFrame({"region": ["x"] * 24, "hour": hours, "load": [float(h.hour) for h in hours]})


@pytest.fixture
def bucket_exports(gcs_bucket, monkeypatch):
    """gs://<bucket>/exports/ holding one Parquet and one CSV file per day; STORAGE_EMULATOR_HOST points at it."""
    endpoint, name = gcs_bucket
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://{endpoint}")
    bucket = storage_client("local", endpoint).bucket(name)
    for day in DAYS:
        buffer = io.BytesIO()
        daily_rows(day).to_parquet(buffer, index=False)
        bucket.blob(f"exports/load_{day:%Y%m%d}.parquet").upload_from_string(buffer.getvalue())
        bucket.blob(f"csv/load_{day:%Y%m%d}.csv").upload_from_string(daily_rows(day).to_csv(index=False))
    return f"gs://{name}"


@pytest.mark.parametrize("folder", ["exports/", "exports/*.parquet", "csv/"])
def test_a_day_is_read_from_a_folder_or_glob_of_daily_files_in_a_bucket(bucket_exports, folder):
    source = FileSeriesSource(path=f"{bucket_exports}/{folder}", series_id_column="region", timestamp_column="hour",
                              value_column="load")  # fmt: skip
    day = source.fetch(DAYS[1], DAYS[2])
    assert day["timestamp"].tolist() == list(pd.date_range(DAYS[1], periods=24, freq="h"))
    assert day["value"].tolist() == [float(hour) for hour in range(24)] and set(day["series_id"]) == {"x"}
    assert source.time_range() == (DAYS[0], DAYS[-1] + pd.Timedelta(hours=23))


def test_a_bucket_path_with_no_files_names_the_path(bucket_exports):
    with pytest.raises(SourceError, match=rf"^{bucket_exports}/nothing/: no \.csv or \.parquet files match"):
        FileSeriesSource(path=f"{bucket_exports}/nothing/").fetch(DAYS[0], DAYS[1])
