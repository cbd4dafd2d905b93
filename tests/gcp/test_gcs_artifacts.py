"""GcsArtifactStore against gcp-storage-emulator on 127.0.0.1."""

import io
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from resources.gcp.gcs_artifacts import GcsArtifactStore, read_gcs_uri

PJM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pjm" / "pjm_hourly_load.parquet"


@pytest.fixture
def store(gcs_bucket) -> GcsArtifactStore:
    endpoint, bucket = gcs_bucket
    return GcsArtifactStore(bucket=bucket, prefix="platform/", endpoint=endpoint)


def test_uris_are_gs_bucket_prefix_key(store):
    assert store.uri("models/v1/model.ubj") == f"gs://{store.bucket}/platform/models/v1/model.ubj"
    assert GcsArtifactStore(bucket="b").uri("/x.json") == "gs://b/x.json"


def test_written_bytes_read_back_and_exist(store):
    uri = store.write_bytes("reports/drift.json", b'{"drift": 0.3}')
    assert uri == store.uri("reports/drift.json")
    assert store.read_bytes("reports/drift.json") == b'{"drift": 0.3}'
    assert store.exists("reports/drift.json") and store.exists("reports")
    assert not store.exists("reports/other.json") and not store.exists("rep")
    store.write_bytes("reports/drift.json", b"replaced")
    assert read_gcs_uri(uri, endpoint=store.endpoint) == b"replaced"


def test_reading_a_missing_key_raises_file_not_found_naming_the_gs_uri(store):
    with pytest.raises(FileNotFoundError, match=f"gs://{store.bucket}/platform/missing/model.ubj"):
        store.read_bytes("missing/model.ubj")
    with pytest.raises(FileNotFoundError, match=f"gs://{store.bucket}/platform/missing"):
        store.download_dir("missing", "/tmp/never-created")


def test_a_directory_round_trips_through_upload_dir_and_download_dir(store, tmp_path):
    source = tmp_path / "model"
    (source / "nested").mkdir(parents=True)
    (source / "model.ubj").write_bytes(b"\x00\x01binary")
    (source / "metrics.json").write_text('{"smape": 12.5}')
    (source / "nested" / "feature_spec.json").write_text('{"lags": [1, 24]}')

    assert store.upload_dir(str(source), "models/v7") == store.uri("models/v7")
    target = tmp_path / "copy"
    assert store.download_dir("models/v7", str(target)) == str(target)

    copied = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert copied == ["metrics.json", "model.ubj", "nested/feature_spec.json"]
    assert (target / "model.ubj").read_bytes() == b"\x00\x01binary"


def test_a_dataset_parquet_round_trips_unchanged(store):
    rows = pd.read_parquet(PJM, filters=[("series_id", "in", ["DUQ", "EKPC"])]).tail(500).reset_index(drop=True)
    buffer = io.BytesIO()
    rows.to_parquet(buffer, index=False)
    uri = store.write_bytes("datasets/abc123.parquet", buffer.getvalue())

    back = pd.read_parquet(io.BytesIO(store.read_bytes("datasets/abc123.parquet")))
    pd.testing.assert_frame_equal(back, rows)
    assert uri.endswith("/platform/datasets/abc123.parquet")


def test_the_store_honours_storage_emulator_host_when_no_endpoint_is_given(gcs_bucket, monkeypatch):
    endpoint, bucket = gcs_bucket
    monkeypatch.setenv("STORAGE_EMULATOR_HOST", f"http://{endpoint}")
    store = GcsArtifactStore(bucket=bucket)
    store.write_bytes("k", b"v")
    assert store.read_bytes("k") == b"v"


def test_constructing_the_store_in_definitions_makes_no_network_call():
    store = GcsArtifactStore(bucket="b", endpoint="127.0.0.1:9")  # nothing listens there
    dg.Definitions(resources={"artifacts": store})
    assert store.uri("k") == "gs://b/k"
