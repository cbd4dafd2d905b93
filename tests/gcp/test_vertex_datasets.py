"""VertexDatasetCatalog: real aiplatform TimeSeriesDataset calls against the Vertex AI stand-in (a fake where Vertex
must refuse: the stand-in never fails a create), data in the GCS emulator."""

import io
import itertools
import re
from pathlib import Path

import pandas as pd
import pytest
from fake_rest import PROJECT, REGION, not_found
from fake_vertex import LOCATION_PATH

from resources.gcp.gcs_artifacts import GcsArtifactStore
from resources.gcp.vertex_datasets import VertexDatasetCatalog
from resources.warehouse import DuckDBWarehouse

PJM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pjm" / "pjm_hourly_load.parquet"
TIME_SERIES_SCHEMA = "gs://google-cloud-aiplatform/schema/dataset/metadata/time_series_1.0.0.yaml"
HASH = "0A1B2C3D4E5F60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9"


class FakeDatasets:
    """datasets.create/get/list held in memory; list understands the labels.<key>="<value>" filter the SDK sends."""

    def __init__(self, server, create_error: tuple[int, str, str] | None = None, failed_operation: str = ""):
        self.datasets: dict[str, dict] = {}
        ids = itertools.count(7001)

        @server.route("POST", LOCATION_PATH + "/datasets")
        def create(request, match):
            if create_error:
                code, status, message = create_error
                return code, {"error": {"code": code, "message": message, "status": status}}
            parent = f"projects/{match['project']}/locations/{match['location']}"
            dataset_id = str(next(ids))
            operation = {"name": f"{parent}/datasets/{dataset_id}/operations/1", "done": True}
            if failed_operation:  # accepted, then the long-running create fails
                return 200, {**operation, "error": {"code": 8, "message": failed_operation}}
            dataset = {**request.json, "name": f"{parent}/datasets/{dataset_id}"}
            self.datasets[dataset_id] = dataset
            return 200, {**operation, "response": {"@type": "type.googleapis.com/google.cloud.aiplatform.v1.Dataset",
                                                   **dataset}}

        @server.route("GET", LOCATION_PATH + r"/datasets/(?P<dataset_id>\d+)")
        def get(request, match):
            found = self.datasets.get(match["dataset_id"])
            return (200, found) if found else not_found(f"dataset {match['dataset_id']}")

        @server.route("GET", LOCATION_PATH + "/datasets")
        def list_datasets(request, match):
            wanted = dict(re.findall(r'labels\.(\w+)="([^"]*)"', request.query.get("filter", [""])[0]))
            hits = [d for d in self.datasets.values()
                    if all(d.get("labels", {}).get(key) == value for key, value in wanted.items())]
            return 200, {"datasets": hits}


def _pjm_dataset() -> pd.DataFrame:
    """Two days of two PJM regions, as training_dataset writes them."""
    rows = pd.read_parquet(PJM, filters=[("series_id", "in", ["AEP", "DUQ"]),
                                         ("timestamp", ">=", pd.Timestamp("2018-07-01")),
                                         ("timestamp", "<", pd.Timestamp("2018-07-03"))])
    return rows.sort_values(["series_id", "timestamp"]).reset_index(drop=True)


@pytest.fixture
def dataset_record(gcs_bucket):
    """A dataset version's Parquet file in the emulator and the record training_dataset would register."""
    endpoint, bucket = gcs_bucket
    rows = _pjm_dataset()
    buffer = io.BytesIO()
    rows.to_parquet(buffer, index=False)
    store = GcsArtifactStore(bucket=bucket, prefix="platform", endpoint=endpoint)
    uri = store.write_bytes("datasets/ds-0a1b2c3d4e5f/dataset.parquet", buffer.getvalue())
    return {"version": "ds-0a1b2c3d4e5f", "uri": uri, "rows": len(rows), "series": 2,
            "window_start": pd.Timestamp("2018-07-01"), "window_end": pd.Timestamp("2018-07-03"),
            "hash": HASH, "created_at": pd.Timestamp("2024-05-01 12:00")}


def _catalog(fake_google, gcs_bucket, tmp_path) -> VertexDatasetCatalog:
    return VertexDatasetCatalog(warehouse=DuckDBWarehouse(database=str(tmp_path / "warehouse.duckdb")),
                                project=PROJECT, location=REGION, api_endpoint=fake_google.endpoint,
                                storage_endpoint=gcs_bucket[0])


def test_register_creates_a_time_series_dataset_over_a_csv_copy_with_version_labels(fake_google, vertex_standin, gcs_bucket,
                                                                                     dataset_record, tmp_path):
    catalog = _catalog(fake_google, gcs_bucket, tmp_path)

    registered = catalog.register(dataset_record)

    (create,) = fake_google.calls("POST", "/datasets")
    assert create.path == f"/v1/projects/{PROJECT}/locations/{REGION}/datasets"
    csv_uri = f"gs://{gcs_bucket[1]}/platform/datasets/ds-0a1b2c3d4e5f/dataset.csv"
    assert create.json == {
        "displayName": "ds-0a1b2c3d4e5f",
        "metadataSchemaUri": TIME_SERIES_SCHEMA,
        "metadata": {"inputConfig": {"gcsSource": {"uri": [csv_uri]}}},
        "labels": {"dataset_version": "ds-0a1b2c3d4e5f", "content_hash": "0a1b2c3d4e5f6071"},
    }
    assert registered == {"vertex_dataset": f"projects/{PROJECT}/locations/{REGION}/datasets/7001"}
    assert not fake_google.errors


def test_the_csv_copy_holds_the_parquet_rows_with_a_header_and_rfc3339_timestamps(fake_google, vertex_standin, gcs_bucket,
                                                                                 dataset_record, tmp_path):
    _catalog(fake_google, gcs_bucket, tmp_path).register(dataset_record)

    store = GcsArtifactStore(bucket=gcs_bucket[1], prefix="platform", endpoint=gcs_bucket[0])
    text = store.read_bytes("datasets/ds-0a1b2c3d4e5f/dataset.csv").decode()
    assert text.splitlines()[0] == "series_id,timestamp,value"
    assert text.splitlines()[1].startswith("AEP,2018-07-01T00:00:00Z,")
    copy = pd.read_csv(io.StringIO(text), parse_dates=["timestamp"])
    expected = _pjm_dataset()
    assert len(copy) == dataset_record["rows"] == len(expected) == 96
    assert copy["value"].tolist() == pytest.approx(expected["value"].tolist())
    assert (copy["timestamp"].dt.tz_localize(None) == expected["timestamp"]).all()


def test_registering_the_same_version_twice_looks_it_up_and_sends_no_second_create(fake_google, vertex_standin, gcs_bucket,
                                                                                    dataset_record, tmp_path):
    catalog = _catalog(fake_google, gcs_bucket, tmp_path)

    first = catalog.register(dataset_record)
    second = catalog.register(dataset_record)

    assert first == second
    assert len(fake_google.calls("POST", "/datasets")) == 1
    lookups = fake_google.calls("GET", f"/locations/{REGION}/datasets")
    filters = [q.query["filter"][0] for q in lookups if "filter" in q.query]
    assert filters == ['labels.dataset_version="ds-0a1b2c3d4e5f"'] * 2
    assert len(catalog.versions()) == 1  # the warehouse row is replaced, not duplicated


def test_the_warehouse_row_is_written_once_vertex_has_the_dataset(fake_google, vertex_standin, gcs_bucket, dataset_record, tmp_path):
    catalog = _catalog(fake_google, gcs_bucket, tmp_path)

    catalog.register(dataset_record)

    (row,) = catalog.versions().to_dict("records")
    assert (row["version"], row["uri"], row["rows"], row["series"], row["hash"]) == (
        "ds-0a1b2c3d4e5f", dataset_record["uri"], 96, 2, HASH)
    assert pd.Timestamp(row["window_start"]) == pd.Timestamp("2018-07-01")


@pytest.mark.parametrize(("fake_failure", "vertex_message"), [
    ({"create_error": (403, "PERMISSION_DENIED", "aiplatform.datasets.create denied")},
     "aiplatform.datasets.create denied"),
    ({"failed_operation": "quota exceeded for datasets"}, "quota exceeded for datasets"),
], ids=["refused-request", "failed-operation"])
def test_a_failed_create_raises_naming_the_version_and_writes_no_warehouse_row(fake_google, gcs_bucket, dataset_record,
                                                                               tmp_path, fake_failure, vertex_message):
    FakeDatasets(fake_google, **fake_failure)
    catalog = _catalog(fake_google, gcs_bucket, tmp_path)

    with pytest.raises(RuntimeError, match="dataset version ds-0a1b2c3d4e5f in Vertex AI Datasets") as raised:
        catalog.register(dataset_record)

    assert vertex_message in str(raised.value)
    assert len(fake_google.calls("POST", "/datasets")) == 1  # one attempt, no silent retry loop
    assert catalog.versions().empty  # a row means registered everywhere; rerunning the asset completes both


def test_rerunning_after_a_failed_create_registers_the_version_and_writes_its_row(fake_google, gcs_bucket,
                                                                                 dataset_record, tmp_path):
    failing = FakeDatasets(fake_google, create_error=(403, "PERMISSION_DENIED", "denied"))
    catalog = _catalog(fake_google, gcs_bucket, tmp_path)
    with pytest.raises(RuntimeError):
        catalog.register(dataset_record)

    fake_google.routes.clear()  # the permission is granted: Vertex now accepts the create
    FakeDatasets(fake_google)
    registered = catalog.register(dataset_record)

    assert registered["vertex_dataset"].endswith("/datasets/7001") and failing.datasets == {}
    assert catalog.versions()["version"].tolist() == ["ds-0a1b2c3d4e5f"]


def test_a_version_whose_parquet_is_missing_is_refused_naming_version_and_uri(fake_google, vertex_standin, gcs_bucket,
                                                                             dataset_record, tmp_path):
    record = {**dataset_record, "uri": f"gs://{gcs_bucket[1]}/platform/datasets/ds-gone/dataset.parquet"}

    missing = r"ds-0a1b2c3d4e5f: no Parquet file at gs://.*/ds-gone/dataset\.parquet"
    with pytest.raises(FileNotFoundError, match=missing):
        _catalog(fake_google, gcs_bucket, tmp_path).register(record)
    assert not fake_google.calls("POST", "/datasets")


def test_a_local_dataset_uri_is_refused_because_vertex_reads_cloud_storage(fake_google, vertex_standin, gcs_bucket, dataset_record,
                                                                           tmp_path):
    record = {**dataset_record, "uri": str(tmp_path / "dataset.parquet")}

    with pytest.raises(ValueError, match="ds-0a1b2c3d4e5f: Vertex AI reads datasets from Cloud Storage"):
        _catalog(fake_google, gcs_bucket, tmp_path).register(record)


def test_construction_sends_no_request(fake_google, gcs_bucket, tmp_path):
    _catalog(fake_google, gcs_bucket, tmp_path)
    assert fake_google.requests == []


def test_a_sharded_version_gets_one_csv_copy_per_shard_and_vertex_reads_them_all(fake_google, vertex_standin,
                                                                                gcs_bucket, dataset_record, tmp_path):
    endpoint, bucket = gcs_bucket
    store = GcsArtifactStore(bucket=bucket, prefix="platform", endpoint=endpoint)
    rows = _pjm_dataset()
    for number, series in enumerate(["AEP", "DUQ"]):
        store.write_bytes(f"datasets/ds-sharded/shard-{number:04d}.parquet",
                          rows[rows["series_id"] == series].to_parquet(index=False))
    store.write_bytes("datasets/ds-sharded/_manifest.json", b"{}")
    record = {**dataset_record, "version": "ds-sharded", "uri": store.uri("datasets/ds-sharded")}

    _catalog(fake_google, gcs_bucket, tmp_path).register(record)

    (create,) = fake_google.calls("POST", "/datasets")
    assert create.json["metadata"]["inputConfig"]["gcsSource"]["uri"] == [
        f"gs://{bucket}/platform/datasets/ds-sharded/shard-{number:04d}.csv" for number in (0, 1)]
    second = pd.read_csv(io.StringIO(store.read_bytes("datasets/ds-sharded/shard-0001.csv").decode()))
    assert set(second["series_id"]) == {"DUQ"} and len(second) == 48
